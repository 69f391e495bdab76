import { describe, expect, it } from 'vitest';
import { kafkaGroupLag, type LagAdmin } from './kafka-consumer-lag.js';

/** A cluster of two topics; `flotilla.orders` has 3 partitions, `flotilla.users` 1. */
function fakeAdmin(): LagAdmin {
  const partitions = new Map([
    ['flotilla.orders', 3],
    ['flotilla.users', 1],
  ]);
  const ends = new Map([
    ['flotilla.orders', [10n, 4n, 6n]],
    ['flotilla.users', [20n]],
  ]);
  const starts = new Map([
    ['flotilla.orders', [0n, 0n, 2n]],
    ['flotilla.users', [5n]],
  ]);
  const commits: Record<string, Record<string, [number, bigint][]>> = {
    'flotilla.notifications': {
      'flotilla.orders': [
        [0, 7n],
        [1, 4n],
      ],
    },
    'flotilla.orders': { 'flotilla.users': [[0, 20n]] },
    'other.app': { 'flotilla.users': [[0, 0n]] },
    'flotilla.idle': {},
  };
  return {
    listGroups: async () => new Map(Object.keys(commits).map((id) => [id, {}])),
    listConsumerGroupOffsets: async ({ groups }) =>
      groups.map((groupId) => ({
        groupId,
        topics: Object.entries(commits[groupId] ?? {}).map(([name, offsets]) => ({
          name,
          partitions: offsets.map(([partitionIndex, committedOffset]) => ({
            partitionIndex,
            committedOffset,
            committedLeaderEpoch: -1,
            metadata: null,
          })),
        })),
      })),
    metadata: async ({ topics }) => ({
      topics: new Map(topics.map((name) => [name, { partitionsCount: partitions.get(name) ?? 0 }])),
    }),
    listOffsets: async ({ topics }) =>
      topics.map(({ name, partitions: asked }) => ({
        name,
        partitions: asked.map(({ partitionIndex, timestamp }) => ({
          partitionIndex,
          timestamp,
          leaderEpoch: 0,
          offset: (timestamp === -1n ? ends : starts).get(name)?.[partitionIndex] ?? 0n,
        })),
      })),
    close: async () => {},
  };
}

describe('Kafka consumer lag', () => {
  it("sums end minus committed over a group's partitions, from the earliest kept where it never committed", async () => {
    const lag = await kafkaGroupLag(fakeAdmin(), 'flotilla.');
    expect(lag).toEqual([
      { group: 'flotilla.idle', lag: 0, partitions: [] },
      {
        group: 'flotilla.notifications',
        // 10 − 7, 4 − 4, and 6 − 2 on the partition it never committed on.
        lag: 7,
        partitions: [
          { topic: 'flotilla.orders', partition: 0, committed: 7, end: 10, lag: 3 },
          { topic: 'flotilla.orders', partition: 1, committed: 4, end: 4, lag: 0 },
          { topic: 'flotilla.orders', partition: 2, committed: null, end: 6, lag: 4 },
        ],
      },
      {
        group: 'flotilla.orders',
        lag: 0,
        partitions: [{ topic: 'flotilla.users', partition: 0, committed: 20, end: 20, lag: 0 }],
      },
    ]);
  });

  it('reads nothing more when the system has no group yet', async () => {
    expect(await kafkaGroupLag(fakeAdmin(), 'elsewhere.')).toEqual([]);
  });
});
