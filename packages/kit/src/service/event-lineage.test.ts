import { afterEach, describe, expect, it } from 'vitest';
import type { EventLineage } from '../events/index.js';
import { httpSubscriberDirectory } from '../events/index.js';
import { testDatabase } from '../testing/index.js';
import { createShopTables, ItemAdded, ledger, shop } from './event-fixtures.js';
import { type RunningService, startService } from './index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(definition: Parameters<typeof startService>[0], subscriber?: () => string) {
  const db = await testDatabase();
  cleanups.push(() => db.dispose());
  const running = await startService(definition, {
    environment: { LOG_LEVEL: 'silent' },
    database: db,
    events: {
      relay: { pollIntervalMs: 50, leaseMs: 1_000, backoff: { initialDelayMs: 20, maxDelayMs: 50 } },
      consumer: { maxAttempts: 2, backoff: { initialDelayMs: 5, maxDelayMs: 10 } },
    },
    subscriberDirectory: httpSubscriberDirectory({
      instances: async () => (subscriber ? [{ service: 'ledger', url: subscriber() }] : []),
      cacheMs: 100,
    }),
  });
  cleanups.push(() => running.stop());
  return running;
}

async function lineage(service: RunningService, query: string): Promise<EventLineage> {
  const response = await fetch(`${service.url}/events/lineage?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as EventLineage;
}

describe('GET /events/lineage', { timeout: 60_000 }, () => {
  it("shows an event in the publisher's outbox and deliveries, and in the subscriber's inbox or dead letters", async () => {
    const consumer = await start(ledger({ poisoned: (n) => n === 2 }));
    const publisher = await start(shop, () => consumer.url);
    const { db, events, tracing } = publisher.context;
    await db.transaction(createShopTables);
    // Published inside a span, as a request would: the event carries its traceparent.
    await tracing.withSpan('place items', {}, () =>
      db.transaction(async (tx) => {
        await events.publish(tx, ItemAdded, { n: 1 });
        await events.publish(tx, ItemAdded, { n: 2 });
      }),
    );
    const byType = async () => (await lineage(publisher, 'type=item.added')).outbox;
    await expect
      .poll(async () => (await byType()).map((entry) => entry.status), { timeout: 20_000 })
      .toEqual(['sent', 'sent']);
    const [second, first] = await byType();

    const published = await lineage(publisher, `id=${first?.id}`);
    expect(published).toMatchObject({
      service: 'shop',
      transport: 'embedded',
      outbox: [
        { id: first?.id, type: 'item.added', source: '/shop', status: 'sent', attempts: 0, error: null },
      ],
      deliveries: [{ eventId: first?.id, subscriber: 'ledger' }],
      inbox: [],
      deadLetters: [],
    });
    expect(published.outbox[0]?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(await lineage(consumer, `id=${first?.id}`)).toMatchObject({
      service: 'ledger',
      subscriptions: [{ from: 'shop', patterns: ['item.added'] }],
      outbox: [],
      inbox: [{ eventId: first?.id }],
      deadLetters: [],
    });

    const poisoned = await lineage(consumer, `id=${second?.id}`);
    expect(poisoned.inbox).toEqual([]);
    expect(poisoned.deadLetters).toMatchObject([
      { eventId: second?.id, error: 'poison 2', attempts: 2, redrivenAt: null },
    ]);
    // The same trace, whichever span of it (producer or relay) the delivered copy names.
    const traceOf = (traceparent: string | null | undefined) => traceparent?.split('-')[1];
    expect(traceOf(poisoned.deadLetters[0]?.traceparent)).toBe(traceOf(published.outbox[0]?.traceparent));
    expect((await lineage(consumer, 'type=item.added')).deadLetters).toHaveLength(1);
  });

  it('answers a request naming neither or both of id and type with a problem', async () => {
    const service = await start(shop);
    for (const query of ['', 'id=x&type=item.added']) {
      const response = await fetch(`${service.url}/events/lineage?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await lineage(service, 'id=not-a-uuid')).outbox).toEqual([]);
  });
});
