import { performance } from 'node:perf_hooks';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { openScratchDatabase } from '../db/scratch-database.js';
import { createLogger } from '../telemetry/index.js';
import { defineEvent } from './event-definition.js';
import { outboxEntries } from './outbox-entries.js';
import { publishEvent } from './publish-event.js';
import { runEventMigrations } from './run-event-migrations.js';
import { ServiceEvents } from './service-events.js';
import { MemoryTransport } from './transports/memory-transport.js';

/**
 * Issue 19's acceptance for the insert-only outbox: a transaction held open for 30 s does not hold
 * back the events of transactions that commit meanwhile (PostgreSQL only: PGlite runs one
 * transaction at a time, so nothing can commit while another is open there).
 */
const HOLD_MS = 30_000;
const TIMEOUT_MS = HOLD_MS + 60_000;
/**
 * The relay's polling backstop, past the test's end: every event delivered during the test was
 * woken in-process by its commit, none found by a later poll. (Not longer: past setTimeout's range
 * a pause would end at once.)
 */
const POLL_INTERVAL_MS = 2 * TIMEOUT_MS;
const LONG = -1;
const ROLLED_BACK = -2;

const logger = createLogger({ name: 'long-transaction-test', level: 'silent' });
const Placed = defineEvent({
  source: 'shop',
  type: 'order.placed',
  schema: Type.Object({ n: Type.Integer() }),
});
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function summary(latencies: readonly number[]): { median: number; p99: number; max: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (share: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!);
  return { median: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1)!) };
}

class RolledBack extends Error {}

describe('outbox and a long transaction (postgres)', () => {
  it(`delivers other transactions' events while one is open ${HOLD_MS / 1_000} s, and its event once it commits`, {
    timeout: TIMEOUT_MS,
  }, async () => {
    const db = await openScratchDatabase(process.env.DATABASE_URL);
    cleanups.push(() => db.dispose());
    await runEventMigrations(db);
    await db.query('CREATE TABLE orders (n int PRIMARY KEY)');
    /** When the transport took each event, by n: one entry per delivery. */
    const deliveredAt = new Map<number, number[]>();
    const transport = new MemoryTransport({
      accept: (event) => {
        const n = (event.data as { n: number }).n;
        deliveredAt.set(n, [...(deliveredAt.get(n) ?? []), performance.now()]);
        return { ok: true };
      },
    });
    const events = new ServiceEvents({
      service: 'shop',
      db,
      transport,
      logger,
      relay: { pollIntervalMs: POLL_INTERVAL_MS },
    });
    await events.relay.start();
    cleanups.push(() => events.relay.stop());
    const delivered = (n: number) => deliveredAt.has(n);

    /** One business transaction with one event; answers the ms from its commit to the transport. */
    const placeOrder = async (n: number): Promise<number> => {
      let committedAt = 0;
      await db.transaction(async (tx) => {
        // Registered before the publish's own hook, so it stamps the commit before the relay is woken.
        tx.afterCommit?.(() => {
          committedAt = performance.now();
        });
        await tx.query('INSERT INTO orders (n) VALUES ($1)', [n]);
        await events.publish(tx, Placed, { n });
      });
      await expect.poll(() => delivered(n), { timeout: 10_000, interval: 5 }).toBe(true);
      return deliveredAt.get(n)![0]! - committedAt;
    };

    let next = 0;
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) baseline.push(await placeOrder(next++));

    // The long transaction takes its id with its first write and publishes at commit, 30 s later.
    const longWrote = signal();
    const longMayCommit = signal();
    let longCommittedAt = 0;
    const long = db.transaction(async (tx) => {
      tx.afterCommit?.(() => {
        longCommittedAt = performance.now();
      });
      await tx.query('INSERT INTO orders (n) VALUES ($1)', [LONG]);
      await events.publish(tx, Placed, { n: LONG });
      longWrote.resolve();
      await longMayCommit.promise;
    });
    // This one writes its outbox row at once, so an uncommitted row sits in the outbox all along.
    const rollbackWrote = signal();
    const mayRollBack = signal();
    const rolledBack = db.transaction(async (tx) => {
      await publishEvent({ query: (sql, params) => tx.query(sql, params) }, Placed, { n: ROLLED_BACK });
      rollbackWrote.resolve();
      await mayRollBack.promise;
      throw new RolledBack();
    });
    await Promise.all([longWrote.promise, rollbackWrote.promise]);
    const openedAt = performance.now();

    const duringHold: number[] = [];
    while (performance.now() - openedAt < HOLD_MS) duringHold.push(await placeOrder(next++));
    expect(delivered(LONG)).toBe(false);
    expect(delivered(ROLLED_BACK)).toBe(false);

    mayRollBack.resolve();
    await expect(rolledBack).rejects.toBeInstanceOf(RolledBack);
    const afterRollback: number[] = [];
    for (let i = 0; i < 20; i++) afterRollback.push(await placeOrder(next++));

    longMayCommit.resolve();
    await long;
    const heldMs = longCommittedAt - openedAt;
    await expect.poll(() => delivered(LONG), { timeout: 10_000, interval: 5 }).toBe(true);
    const longLatency = deliveredAt.get(LONG)![0]! - longCommittedAt;
    await expect
      .poll(async () => (await outboxEntries(db)).every((entry) => entry.status === 'sent'))
      .toBe(true);

    const figures = {
      heldMs: Math.round(heldMs),
      baseline: summary(baseline),
      duringHold: { events: duringHold.length, ...summary(duringHold) },
      afterRollback: summary(afterRollback),
      longEventAfterCommitMs: Math.round(longLatency),
    };
    console.log(`[outbox long transaction] ${JSON.stringify(figures)}`);

    // Not held back: each event above was delivered while the long transaction was open (or after
    // the rollback), with no poll to find it. Every committed event exactly once; nothing of the
    // rolled-back transaction.
    expect(duringHold.length).toBeGreaterThan(0);
    const committed = [...Array.from({ length: next }, (_, n) => n), LONG];
    expect(Object.fromEntries(committed.map((n) => [n, deliveredAt.get(n)?.length ?? 0]))).toEqual(
      Object.fromEntries(committed.map((n) => [n, 1])),
    );
    expect(deliveredAt.size).toBe(committed.length);
    expect(delivered(ROLLED_BACK)).toBe(false);
    const entries = await outboxEntries(db);
    expect(entries.map((entry) => (entry.event.data as { n: number }).n).sort((a, b) => a - b)).toEqual(
      [...committed].sort((a, b) => a - b),
    );
  });
});
