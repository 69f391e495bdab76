/**
 * A publisher with its outbox relay in a process of its own, for relay-kills.test.ts to SIGKILL:
 * one business transaction of 1–5 orders at a time, each order publishing a `count.up` event, from
 * the first order number not yet committed up to EVENTS. Prints `ready <orders found committed> <events not yet sent>` once its relay runs,
 * `committed <orders>` after each commit, and once every order is written and its event confirmed
 * by the broker, `drained <orders>` (counted from the table, so it is what really committed).
 * Arguments come from the environment: DATABASE_URL and SCHEMA (PostgreSQL) or PGLITE_DIR (a
 * file-backed PGlite the process owns), EVENTS_URL, NAMESPACE, EVENTS, LEASE_MS.
 */
import { openDatabase } from '@flotilla/kit/db';
import {
  defineEvent,
  noSubscribers,
  openTransport,
  outboxBacklog,
  runEventMigrations,
  ServiceEvents,
} from '@flotilla/kit/events';
import { createLogger } from '@flotilla/kit/telemetry';
import { Type } from '@sinclair/typebox';
import { until } from '../../support/until.js';

const Counted = defineEvent({
  source: 'counter',
  type: 'count.up',
  schema: Type.Object({ n: Type.Integer() }),
});
const events = Number(process.env.EVENTS);

const db = await openDatabase({
  url: process.env.DATABASE_URL,
  schema: process.env.SCHEMA,
  dataDir: process.env.PGLITE_DIR,
});
await runEventMigrations(db);
await db.query('CREATE TABLE IF NOT EXISTS orders (n int PRIMARY KEY)');
const service = new ServiceEvents({
  service: 'counter',
  db,
  transport: await openTransport({
    url: process.env.EVENTS_URL,
    db,
    directory: noSubscribers,
    namespace: process.env.NAMESPACE,
  }),
  logger: createLogger({ name: 'relay-kill-publisher', level: 'silent' }),
  // A relay killed holding the cursor delays its successor by the lease; short, so that waiting
  // does not dominate the run. Its successor is woken by the first commit, so polling is a backstop.
  relay: { leaseMs: Number(process.env.LEASE_MS), pollIntervalMs: 200 },
});
const committedOrders = async () => {
  const { rows } = await db.query<{ count: string }>('SELECT count(*) AS count FROM orders');
  return Number(rows[0]!.count);
};
const found = await committedOrders();
// What the relay will send (again, if its predecessor had sent it but the save did not last).
const unsent = (await outboxBacklog(db)).pending;
await service.relay.start();
process.stdout.write(`ready ${found} ${unsent}\n`);

for (let next = found; next < events; ) {
  const first = next;
  const size = Math.min(1 + Math.floor(Math.random() * 5), events - first);
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO orders (n) SELECT generate_series($1::int, $2::int)', [
      first,
      first + size - 1,
    ]);
    for (let n = first; n < first + size; n++)
      await service.publish(tx, Counted, { n }, { key: `k${n % 16}` });
  });
  next = first + size;
  process.stdout.write(`committed ${next}\n`);
}
await until('the outbox drained', async () => (await outboxBacklog(db)).pending === 0, 600_000, 50);
process.stdout.write(`drained ${await committedOrders()}\n`);
