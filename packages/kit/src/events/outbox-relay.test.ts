import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/index.js';
import { openScratchDatabase } from '../db/scratch-database.js';
import { createLogger } from '../telemetry/index.js';
import { defineEvent } from './event-definition.js';
import { EventDispatcher } from './event-dispatcher.js';
import { outboxEntries } from './outbox-entries.js';
import { OutboxRelay } from './outbox-relay.js';
import { publishEvent } from './publish-event.js';
import { runEventMigrations } from './run-event-migrations.js';
import { subscription } from './subscription.js';
import { MemoryTransport } from './transports/memory-transport.js';

const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';
const logger = createLogger({ name: 'relay-test', level: 'silent' });
const Tick = defineEvent({ source: 'clock', type: 'clock.tick', schema: Type.Object({ n: Type.Integer() }) });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(): Promise<Database> {
  const db = await openScratchDatabase(process.env.DATABASE_URL);
  cleanups.push(() => db.dispose());
  await runEventMigrations(db);
  return db;
}

function numberOf(event: { data?: unknown }): number {
  return (event.data as { n: number }).n;
}

/** The n of each event the transport took, in order. */
function sent(transport: MemoryTransport): number[] {
  return transport.published.map(numberOf);
}

async function statuses(db: Database): Promise<Record<string, string>> {
  const entries = await outboxEntries(db);
  return Object.fromEntries(entries.map((entry) => [numberOf(entry.event), entry.status]));
}

/** Moves the relay's leases back in time, as if their holder had died long ago. */
const expireLeases = (db: Database) =>
  db.query(
    `UPDATE flotilla_outbox_cursor SET leased_until = now() - interval '1 second';
     UPDATE flotilla_outbox_retry SET claimed_until = now() - interval '1 second' WHERE claimed_until IS NOT NULL`,
  );

/** n=1 and n=2 with key "a", n=3 with key "b", in one transaction. */
function publishTwoKeys(db: Database): Promise<void> {
  return db.transaction(async (tx) => {
    await publishEvent(tx, Tick, { n: 1 }, { key: 'a' });
    await publishEvent(tx, Tick, { n: 2 }, { key: 'a' });
    await publishEvent(tx, Tick, { n: 3 }, { key: 'b' });
  });
}

describe(`OutboxRelay (${engine})`, { timeout: 60_000 }, () => {
  it('sends a row whose transaction commits after a later row was already sent', async () => {
    const db = await database();
    const transport = new MemoryTransport();
    const relay = new OutboxRelay({ db, transport, logger });
    if (engine === 'postgres') {
      // Transaction A takes the lower seq, B commits and is relayed, then A commits.
      let releaseA: () => void = () => {};
      const aHolds = new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      let aInserted: () => void = () => {};
      const aReady = new Promise<void>((resolve) => {
        aInserted = resolve;
      });
      const a = db.transaction(async (tx) => {
        // A plain Queryable: the row is written now (not at commit), so A holds the lower seq.
        await publishEvent({ query: (sql, params) => tx.query(sql, params) }, Tick, { n: 1 });
        aInserted();
        await aHolds;
      });
      await aReady;
      await db.transaction((tx) => publishEvent(tx, Tick, { n: 2 }));
      await relay.runOnce();
      expect(sent(transport)).toEqual([2]);
      releaseA();
      await a;
    } else {
      // PGlite runs one transaction at a time, so commits cannot overtake each other there.
      await db.transaction((tx) => publishEvent(tx, Tick, { n: 2 }));
      await relay.runOnce();
      expect(sent(transport)).toEqual([2]);
      await db.transaction((tx) => publishEvent(tx, Tick, { n: 1 }));
    }
    await relay.runOnce();
    expect(sent(transport)).toEqual([2, 1]);
    expect(await statuses(db)).toEqual({ 1: 'sent', 2: 'sent' });
  });

  it('re-sends what a relay that died between confirm and cursor save had read; the inbox keeps effects once', async () => {
    const publisherDb = await database();
    const consumerDb = await database();
    await consumerDb.query('CREATE TABLE effects (n int NOT NULL)');
    const dispatcher = new EventDispatcher({ db: consumerDb, service: 'watch', logger });
    dispatcher.add(
      subscription(Tick, async (event, { tx }) => {
        await tx.query('INSERT INTO effects (n) VALUES ($1)', [(event.data as { n: number }).n]);
      }),
    );
    const deliverTo = async (hangAfterDelivery: boolean) => {
      const transport = new MemoryTransport();
      const binding = { service: 'watch', patterns: [{ from: 'clock', pattern: Tick.type }], prefetch: 100 };
      await transport.consume(binding, async (deliveries) => {
        await dispatcher.deliverBatch(deliveries);
        // Confirmed, then the process dies before recording it: the promise never settles.
        if (hangAfterDelivery) await new Promise(() => {});
      });
      return transport;
    };
    await publisherDb.transaction(async (tx) => {
      for (let n = 0; n < 20; n++) await publishEvent(tx, Tick, { n });
    });
    const dying = new OutboxRelay({
      db: publisherDb,
      transport: await deliverTo(true),
      logger,
      leaseMs: 60_000,
    });
    void dying.runOnce();
    await expect
      .poll(() => consumerDb.query('SELECT 1 FROM effects').then((r) => r.rowCount), { timeout: 20_000 })
      .toBe(20);
    const survivor = new OutboxRelay({
      db: publisherDb,
      transport: await deliverTo(false),
      logger,
      leaseMs: 60_000,
    });
    expect(await survivor.runOnce()).toBe(0);
    // The dead relay's lease runs out (moved back in time rather than waited for).
    await expireLeases(publisherDb);
    expect(await survivor.runOnce()).toBe(20);
    const { rows } = await consumerDb.query<{ total: string; distinct: string }>(
      'SELECT count(*) AS total, count(DISTINCT n) AS distinct FROM effects',
    );
    expect(rows[0]).toEqual({ total: '20', distinct: '20' });
    expect(Object.values(await statuses(publisherDb)).every((status) => status === 'sent')).toBe(true);
  });

  it('retries a failing key with backoff, parks it after its attempts, and lets other keys flow', async () => {
    const db = await database();
    const attempts = new Map<number, number>();
    const transport = new MemoryTransport({
      accept: (event) => {
        const n = numberOf(event);
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        return n === 1 ? { ok: false, error: 'broker said no' } : { ok: true };
      },
    });
    const relay = new OutboxRelay({
      db,
      logger,
      maxAttempts: 3,
      backoff: { initialDelayMs: 10_000, maxDelayMs: 60_000 },
      // The top of the jitter's range: each delay is its ceiling, 10 s and then 20 s.
      random: () => 1,
      transport,
    });
    /** Seconds until n=1 is due again. */
    const dueIn = async () => {
      const { rows } = await db.query<{ seconds: number }>(
        "SELECT extract(epoch FROM next_attempt_at - now())::float8 AS seconds FROM flotilla_outbox_retry WHERE event->'data'->>'n' = '1'",
      );
      return rows[0]!.seconds;
    };
    // Moved forward in time rather than waited for.
    const makeDue = () =>
      db.query("UPDATE flotilla_outbox_retry SET next_attempt_at = now() WHERE event->'data'->>'n' = '1'");

    await publishTwoKeys(db);
    await relay.runOnce();
    // n=2 shares n=1's key and was sent in the same batch before n=1 failed.
    expect(sent(transport).sort()).toEqual([2, 3]);
    expect(await dueIn()).toBeGreaterThan(5);
    expect(await dueIn()).toBeLessThanOrEqual(10);
    await db.transaction((tx) => publishEvent(tx, Tick, { n: 4 }, { key: 'a' }));
    await relay.runOnce();
    // n=4 waits behind n=1 while n=1 is backing off.
    expect(sent(transport)).not.toContain(4);
    expect(attempts.get(1)).toBe(1);

    await makeDue();
    await relay.runOnce();
    expect(attempts.get(1)).toBe(2);
    // Due again, n=1 is claimed with n=4 behind it, in key order, as n=2 was.
    expect(sent(transport)).toEqual([2, 3, 4]);
    expect(await dueIn()).toBeGreaterThan(15);
    expect(await dueIn()).toBeLessThanOrEqual(20);

    await makeDue();
    await relay.runOnce();
    expect(attempts.get(1)).toBe(3);
    expect(await statuses(db)).toEqual({ 1: 'parked', 2: 'sent', 3: 'sent', 4: 'sent' });
    const parked = (await outboxEntries(db)).filter((entry) => entry.status === 'parked');
    expect(parked.map((entry) => [entry.attempts, entry.lastError])).toEqual([[3, 'broker said no']]);
  });

  it('reads the outbox with one relay at a time; another takes over when its lease runs out', async () => {
    const db = await database();
    const first = new MemoryTransport();
    const second = new MemoryTransport();
    const a = new OutboxRelay({ db, logger, transport: first });
    const b = new OutboxRelay({ db, logger, transport: second });
    await publishTwoKeys(db);
    expect(await a.runOnce()).toBe(3);
    await db.transaction((tx) => publishEvent(tx, Tick, { n: 4 }));
    expect(await b.runOnce()).toBe(0);
    expect(await a.runOnce()).toBe(1);
    // a dies holding the cursor; its lease runs out (moved back in time rather than waited for).
    await db.transaction((tx) => publishEvent(tx, Tick, { n: 5 }));
    await expireLeases(db);
    expect(await b.runOnce()).toBe(1);
    expect(sent(first)).toEqual([1, 2, 3, 4]);
    expect(sent(second)).toEqual([5]);
    expect(await statuses(db)).toEqual({ 1: 'sent', 2: 'sent', 3: 'sent', 4: 'sent', 5: 'sent' });
  });

  it("is woken by its own process's commits and by another instance's, and prunes old rows", async () => {
    const db = await database();
    const transport = new MemoryTransport();
    const relay = new OutboxRelay({ db, logger, pollIntervalMs: 60_000, retentionMs: 1, transport });
    await relay.start();
    cleanups.push(() => relay.stop());
    await db.transaction((tx) => publishEvent(tx, Tick, { n: 7 }));
    relay.published();
    await expect.poll(() => sent(transport), { timeout: 5_000 }).toEqual([7]);
    // Another instance's relay, which does not hold the cursor, tells it by NOTIFY.
    const other = new OutboxRelay({ db, logger, transport: new MemoryTransport() });
    await db.transaction((tx) => publishEvent(tx, Tick, { n: 8 }));
    other.published();
    await expect.poll(() => sent(transport), { timeout: 5_000 }).toEqual([7, 8]);
    // Idle, it prunes rows handled longer ago than the retention (1 ms here).
    relay.wake();
    await expect.poll(() => statuses(db)).toEqual({});
  });

  it('refuses to publish data that breaks the schema', async () => {
    const db = await database();
    await expect(db.transaction((tx) => publishEvent(tx, Tick, { n: 'x' } as never))).rejects.toThrow(
      /clock\.tick: data does not match its schema: \/n/,
    );
  });
});
