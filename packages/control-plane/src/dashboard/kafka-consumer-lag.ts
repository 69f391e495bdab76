import { timeoutPolicy } from '@flotilla/kit/resilience';
import {
  Admin,
  type AdminListOffsetsOptions,
  type ListConsumerGroupOffsetsGroup,
  type ListedOffsetsTopic,
  ListOffsetTimestamps,
} from '@platformatic/kafka';
import type { ConsumerGroupLag, ConsumerLagReader, PartitionLag } from './consumer-lag.js';

/** The admin calls lag needs; `Admin` has them, and tests give a fake. */
export interface LagAdmin {
  listGroups(): Promise<ReadonlyMap<string, unknown>>;
  listConsumerGroupOffsets(options: { groups: string[] }): Promise<ListConsumerGroupOffsetsGroup[]>;
  metadata(options: { topics: string[] }): Promise<{
    topics: ReadonlyMap<string, { partitionsCount: number }>;
  }>;
  listOffsets(options: AdminListOffsetsOptions): Promise<ListedOffsetsTopic[]>;
  close(): Promise<void>;
}

export interface KafkaConsumerLagOptions {
  readonly brokers: readonly string[];
  /** Only groups whose id starts with it: the system's own (`flotilla.`), not all a shared cluster has. */
  readonly groupPrefix: string;
  /** Longest a whole reading may take; the page is not held up by a broker that does not answer. */
  readonly timeoutMs?: number;
}

/**
 * Consumer lag as Kafka's own tools compute it: per partition, the log end offset minus the
 * group's committed offset, summed per group. A partition the group never committed on counts
 * from the earliest record kept, where Flotilla's groups (and most others) start.
 */
export async function kafkaGroupLag(admin: LagAdmin, groupPrefix: string): Promise<ConsumerGroupLag[]> {
  const groups = [...(await admin.listGroups()).keys()].filter((id) => id.startsWith(groupPrefix)).sort();
  if (groups.length === 0) return [];
  const committed = await admin.listConsumerGroupOffsets({ groups });
  const topics = [...new Set(committed.flatMap((group) => group.topics.map((topic) => topic.name)))].sort();
  const described = topics.length > 0 ? (await admin.metadata({ topics })).topics : new Map();
  const request = (timestamp: bigint) => ({
    topics: topics.map((name) => ({
      name,
      partitions: Array.from({ length: described.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({
        partitionIndex,
        timestamp,
      })),
    })),
  });
  const [ends, starts] =
    topics.length > 0
      ? await Promise.all([
          admin.listOffsets(request(ListOffsetTimestamps.LATEST)),
          admin.listOffsets(request(ListOffsetTimestamps.EARLIEST)),
        ])
      : [[], []];
  const offsetOf = (listed: ListedOffsetsTopic[], topic: string, partition: number) =>
    Number(
      listed.find((entry) => entry.name === topic)?.partitions.find((p) => p.partitionIndex === partition)
        ?.offset ?? 0n,
    );

  return groups.map((group) => {
    const own = committed.find((entry) => entry.groupId === group)?.topics ?? [];
    const partitions: PartitionLag[] = own.flatMap(({ name, partitions: commits }) =>
      Array.from({ length: described.get(name)?.partitionsCount ?? 0 }, (_, partition) => {
        const offset = commits.find((entry) => entry.partitionIndex === partition)?.committedOffset;
        const end = offsetOf(ends, name, partition);
        const from = offset !== undefined && offset >= 0n ? Number(offset) : null;
        const lag = Math.max(0, end - (from ?? offsetOf(starts, name, partition)));
        return { topic: name, partition, committed: from, end, lag };
      }),
    );
    return { group, lag: partitions.reduce((sum, entry) => sum + entry.lag, 0), partitions };
  });
}

/** A lag reader on its own admin client; loaded only when the system's transport is Kafka. */
export function kafkaConsumerLag(options: KafkaConsumerLagOptions): ConsumerLagReader {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const admin = new Admin({
    clientId: 'flotilla-control-plane',
    bootstrapBrokers: [...options.brokers],
    timeout: timeoutMs,
    retries: 1,
  });
  const policy = timeoutPolicy(timeoutMs);
  return {
    groupPrefix: options.groupPrefix,
    read: () => policy.execute(() => kafkaGroupLag(admin, options.groupPrefix)),
    close: () => admin.close(),
  };
}
