import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineEvent, subscription } from '../events/index.js';
import { defineService, type RunningService, startService } from '../service/index.js';
import { deliverEvent } from './deliver-event.js';
import { type TestDatabase, testDatabase } from './test-database.js';

const PointsEarned = defineEvent({
  source: 'shop',
  type: 'points.earned',
  schema: Type.Object({ points: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
});
const PointsIgnored = defineEvent({ source: 'shop', type: 'points.ignored', schema: Type.Object({}) });

/** Adds up points; 13 is refused every time, so its event ends as a dead letter. */
const wallet = defineService({
  name: 'wallet',
  version: '1.0.0',
  subscriptions: [
    subscription(PointsEarned, async (event, { tx }) => {
      const { points } = event.data as { points: number };
      if (points === 13) throw new Error('unlucky');
      await tx.query('CREATE TABLE IF NOT EXISTS earned (points int NOT NULL, key text)');
      await tx.query('INSERT INTO earned (points, key) VALUES ($1, $2)', [points, event.subject ?? null]);
    }),
  ],
  routes: () => {},
});

describe('deliverEvent', () => {
  let database: TestDatabase;
  let service: RunningService;

  beforeAll(async () => {
    database = await testDatabase();
    service = await startService(wallet, {
      environment: { LOG_LEVEL: 'silent' },
      database,
      events: { consumer: { maxAttempts: 2, backoff: { initialDelayMs: 1, maxDelayMs: 2 } } },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await database?.dispose();
  });

  const earned = async () =>
    (await database.query<{ points: number; key: string | null }>('SELECT points, key FROM earned')).rows;

  it('runs the handler once per event id, as the inbox does for a redelivery', async () => {
    const first = await deliverEvent(service, PointsEarned, { points: 5 }, { key: 'alice' });
    expect(first.outcomes).toEqual(['processed']);
    expect(first.event).toMatchObject({ source: '/shop', type: 'points.earned', subject: 'alice' });

    const again = await deliverEvent(service, PointsEarned, { points: 5 }, { id: first.event.id });
    expect(again.outcomes).toEqual(['duplicate']);
    expect(await earned()).toEqual([{ points: 5, key: 'alice' }]);
  });

  it('dead-letters an event whose handler fails every attempt, or whose data is off the schema', async () => {
    const failing = await deliverEvent(service, PointsEarned, { points: 13 });
    expect(failing.outcomes).toEqual(['dead_lettered']);
    const invalid = await deliverEvent(service, PointsEarned, { points: -1 });
    expect(invalid.outcomes).toEqual(['dead_lettered']);

    const { deadLetters } = (await (await fetch(`${service.url}/events/dead-letters`)).json()) as {
      deadLetters: { eventId: string; attempts: number }[];
    };
    expect(deadLetters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ eventId: failing.event.id, attempts: 2 }),
        expect.objectContaining({ eventId: invalid.event.id, attempts: 0 }),
      ]),
    );
  });

  it('reaches no handler with an event nobody subscribes to', async () => {
    expect((await deliverEvent(service, PointsIgnored, {})).outcomes).toEqual([]);
  });
});
