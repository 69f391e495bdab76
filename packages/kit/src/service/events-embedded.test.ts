import { afterEach, describe, expect, it } from 'vitest';
import { outboxStatusCounts } from '../../../../tests/support/outbox-status-counts.js';
import type { Database } from '../db/index.js';
import type { DeadLetter, ServiceEventsOptions } from '../events/index.js';
import { httpSubscriberDirectory } from '../events/index.js';
import { outboxEntries } from '../events/outbox-entries.js';
import { testDatabase } from '../testing/index.js';
import { createShopTables, ItemAdded, ItemIgnored, ledger, shop } from './event-fixtures.js';
import { type RunningService, startService } from './index.js';

const tuning: Pick<ServiceEventsOptions, 'relay' | 'consumer'> = {
  relay: {
    pollIntervalMs: 100,
    leaseMs: 1_000,
    maxAttempts: 3,
    backoff: { initialDelayMs: 20, maxDelayMs: 100 },
  },
  consumer: { maxAttempts: 3, backoff: { initialDelayMs: 5, maxDelayMs: 20 } },
};
const environment = { LOG_LEVEL: 'silent' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(): Promise<Database> {
  const db = await testDatabase();
  cleanups.push(() => db.dispose());
  return db;
}

async function start(
  definition: Parameters<typeof startService>[0],
  db: Database,
  ledgerUrl?: () => string,
  maxAttempts = 3,
) {
  const running = await startService(definition, {
    environment,
    database: db,
    events: { ...tuning, relay: { ...tuning.relay, maxAttempts } },
    subscriberDirectory: httpSubscriberDirectory({
      instances: async () => (ledgerUrl ? [{ service: 'ledger', url: ledgerUrl() }] : []),
      cacheMs: 100,
    }),
  });
  cleanups.push(() => running.stop());
  return running;
}

async function publishItems(shopService: RunningService, numbers: number[], key?: (n: number) => string) {
  const { db, events } = shopService.context;
  await db.transaction(createShopTables);
  for (const n of numbers) {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (n) VALUES ($1)', [n]);
      await events.publish(tx, ItemAdded, { n }, key ? { key: key(n) } : {});
    });
  }
}

async function ledgerRows(db: Database): Promise<{ n: number; key: string | null }[]> {
  const { rows } = await db
    .query<{ n: number; key: string | null }>('SELECT n, key FROM ledger ORDER BY n')
    .catch(() => ({ rows: [] }));
  return rows;
}

async function deadLetters(url: string): Promise<{ deadLetters: DeadLetter[] }> {
  const response = await fetch(`${url}/events/dead-letters`);
  return (await response.json()) as { deadLetters: DeadLetter[] };
}

/** Outbox rows the relay has tried to deliver at least once and not marked sent. */
async function triedAndPending(db: Database): Promise<number> {
  const entries = await outboxEntries(db);
  return entries.filter((entry) => entry.status === 'pending' && entry.attempts > 0).length;
}

describe('events over the embedded transport', { timeout: 120_000 }, () => {
  it('delivers every committed event once, none of a rolled-back one, in key order', async () => {
    const shopDb = await database();
    const ledgerDb = await database();
    const consumer = await start(ledger(), ledgerDb);
    const publisher = await start(shop, shopDb, () => consumer.url);
    const numbers = Array.from({ length: 300 }, (_, i) => i);
    await publishItems(publisher, numbers, (n) => `k${n % 7}`);
    await expect(
      publisher.context.db.transaction(async (tx) => {
        await publisher.context.events.publish(tx, ItemAdded, { n: 9999 });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await expect.poll(() => ledgerRows(ledgerDb).then((rows) => rows.length), { timeout: 60_000 }).toBe(300);
    const rows = await ledgerRows(ledgerDb);
    expect(rows.map((row) => row.n)).toEqual(numbers);
    await expect.poll(() => outboxStatusCounts(shopDb), { timeout: 20_000 }).toEqual({ sent: 300 });
    // Per key, the order the subscriber committed in (one key's handlers run one after another,
    // so `at` follows it) is publish order.
    const { rows: physical } = await ledgerDb.query<{ n: number; key: string }>(
      'SELECT n, key FROM ledger ORDER BY at',
    );
    for (let k = 0; k < 7; k++) {
      const ofKey = physical.filter((row) => row.key === `k${k}`).map((row) => row.n);
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
  });

  it('keeps events for a subscriber that is down and delivers them when it is back', async () => {
    const shopDb = await database();
    const ledgerDb = await database();
    let consumer = await start(ledger(), ledgerDb);
    const url = () => consumer.url;
    const publisher = await start(shop, shopDb, url, 1_000);
    await publishItems(publisher, [1, 2, 3]);
    await expect.poll(() => ledgerRows(ledgerDb).then((rows) => rows.length), { timeout: 20_000 }).toBe(3);
    await consumer.stop();
    // Known to the directory but unreachable: not marked sent.
    await publisher.context.db.transaction(async (tx) => {
      for (const n of [4, 5, 6]) await publisher.context.events.publish(tx, ItemAdded, { n });
    });
    // Each has been tried and failed: the relay has had its chance to mark them sent.
    await expect.poll(() => triedAndPending(shopDb), { timeout: 20_000 }).toBe(3);
    expect((await outboxStatusCounts(shopDb)).sent).toBe(3);
    consumer = await start(ledger(), ledgerDb);
    await expect
      .poll(() => ledgerRows(ledgerDb).then((rows) => rows.map((row) => row.n)), { timeout: 20_000 })
      .toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('does not mark sent an event nobody subscribes to; it is parked after its attempts', async () => {
    const shopDb = await database();
    const ledgerDb = await database();
    const consumer = await start(ledger(), ledgerDb);
    const publisher = await start(shop, shopDb, () => consumer.url);
    await publisher.context.db.transaction((tx) => publisher.context.events.publish(tx, ItemIgnored, {}));
    await publishItems(publisher, [1]);
    await expect.poll(() => ledgerRows(ledgerDb).then((rows) => rows.length), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => outboxStatusCounts(shopDb), { timeout: 10_000 }).toEqual({ sent: 1, parked: 1 });
    const parked = (await outboxEntries(shopDb)).filter((entry) => entry.status === 'parked');
    expect(parked[0]).toMatchObject({
      attempts: 3,
      lastError: expect.stringMatching(/no subscriber for item\.ignored/),
    });
  });

  it('dead-letters a poison event after exactly N attempts, others unaffected; redrive processes it once', async () => {
    const shopDb = await database();
    const ledgerDb = await database();
    let poisoned = true;
    const calls = new Map<number, number>();
    const consumer = await start(ledger({ poisoned: (n) => poisoned && n === 2, calls }), ledgerDb);
    const publisher = await start(shop, shopDb, () => consumer.url);
    await publishItems(publisher, [1, 2, 3]);
    await expect
      .poll(() => ledgerRows(ledgerDb).then((rows) => rows.map((row) => row.n)), { timeout: 20_000 })
      .toEqual([1, 3]);
    // 1 and 3 commit as soon as 2 leaves their batch; 2's retries end later, in the dead letters.
    await expect
      .poll(() => deadLetters(consumer.url).then((found) => found.deadLetters.length), { timeout: 20_000 })
      .toBe(1);
    expect(calls.get(2)).toBe(3);
    const list = await deadLetters(consumer.url);
    const letter = list.deadLetters[0]!;
    expect(letter).toMatchObject({ attempts: 3, error: 'poison 2', eventType: 'item.added' });
    const consumerMetrics = await fetch(`${consumer.url}/metrics`).then((response) => response.text());
    expect(consumerMetrics).toMatch(/^flotilla_dead_letters\{[^}]*\} 1$/m);
    expect(consumerMetrics).toMatch(
      /^flotilla_events_consumer_lag_seconds\{[^}]*subscription="[^"]+"[^}]*\} [\d.e-]+$/m,
    );
    // The event was dead-lettered, so the publisher's row counts as delivered.
    await expect.poll(() => outboxStatusCounts(shopDb), { timeout: 20_000 }).toEqual({ sent: 3 });
    expect(await fetch(`${publisher.url}/events/outbox`).then((response) => response.json())).toEqual({
      pending: 0,
      oldestAgeSeconds: 0,
    });

    const failing = await fetch(`${consumer.url}/events/dead-letters/${letter.id}/redrive`, {
      method: 'POST',
    });
    expect(failing.status).toBe(409);
    expect(failing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    poisoned = false;
    const redriven = await fetch(`${consumer.url}/events/dead-letters/${letter.id}/redrive`, {
      method: 'POST',
    });
    expect(await redriven.json()).toMatchObject({ outcome: 'processed' });
    const again = await fetch(`${consumer.url}/events/dead-letters/${letter.id}/redrive`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await ledgerRows(ledgerDb)).map((row) => row.n)).toEqual([1, 2, 3]);
    const missing = await fetch(
      `${consumer.url}/events/dead-letters/0190a0a0-0000-7000-8000-000000000000/redrive`,
      {
        method: 'POST',
      },
    );
    expect(missing.status).toBe(404);
  });

  it('dead-letters an event whose data breaks the schema without calling the handler', async () => {
    const ledgerDb = await database();
    const calls = new Map<number, number>();
    const consumer = await start(ledger({ calls }), ledgerDb);
    const bad = {
      specversion: '1.0',
      id: '0190a0a0-0000-7000-8000-000000000001',
      source: '/shop',
      type: 'item.added',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { n: -1 },
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    };
    const response = await fetch(`${consumer.url}/events/deliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([bad, 'not an event']),
    });
    expect(await response.json()).toEqual({ accepted: 2 });
    expect(calls.size).toBe(0);
    const list = await deadLetters(consumer.url);
    expect(list.deadLetters.map((letter) => letter.error).sort()).toEqual([
      'invalid CloudEvent: not a JSON object',
      expect.stringMatching(/^invalid data: \/n: /),
    ]);
    const kept = list.deadLetters.find((letter) => letter.eventId === bad.id);
    expect(JSON.parse(kept?.payload ?? '{}').traceparent).toBe(bad.traceparent);
  });
});
