/**
 * The kit's whole path: business write + outbox insert in one transaction per event → relay →
 * transport → consumer handler committing its effect with the inbox row. Figures:
 *   end to end — concurrent writers, relay and consumer all running; first write to last commit;
 *   drain      — the outbox filled beforehand (untimed); relay start to last consumer commit;
 *   stages     — the drain's halves one at a time: relay alone into the broker, then the consumer
 *                alone from the events waiting there.
 */
import { type Database, openDatabase, type Queryable } from '@flotilla/kit/db';
import {
  defineEvent,
  EventDispatcher,
  noSubscribers,
  openTransport,
  outboxBacklog,
  publishEvent,
  runEventMigrations,
  ServiceEvents,
  subscription,
} from '@flotilla/kit/events';
import { createLogger } from '@flotilla/kit/telemetry';
import { Type } from '@sinclair/typebox';
import { until } from '../../tests/support/until.js';
import { cpuPerEvent, machineCpu } from './machine-cpu.js';

const Ping = defineEvent({
  source: 'bench',
  type: 'bench.ping',
  schema: Type.Object({ n: Type.Integer(), padding: Type.String() }),
});
const logger = createLogger({ name: 'bench', level: 'silent' });
/** Concurrent business transactions, as a busy service's requests make them. */
export const WRITERS = 16;

export interface PipelineFigures {
  /** Events per second, writers running alongside. */
  readonly endToEnd: number;
  /** Events per second through relay → transport → consumer from a filled outbox. */
  readonly drain: number;
  /** The machine's CPU per event during the drain, per program. */
  readonly drainCpu: string;
}

/** The drain's two halves apart, to show which one bounds it. */
export interface StageFigures {
  /** Filled outbox → broker confirms and mark-sent, no consumer running (the queue takes them). */
  readonly relayOnly: number;
  /** Events waiting on the broker → consumer commits with the inbox, no relay running. */
  readonly consumerOnly: number;
  readonly relayOnlyCpu: string;
  readonly consumerOnlyCpu: string;
}

export async function pipeline(
  databaseUrl: string,
  eventsUrl: string,
  count: number,
  tag: string,
): Promise<PipelineFigures & StageFigures> {
  const publisherDb = await openDatabase({
    url: databaseUrl,
    schema: `bench_pub_${tag}`,
    pool: { max: WRITERS + 4 },
  });
  const consumerDb = await openDatabase({ url: databaseUrl, schema: `bench_sub_${tag}`, pool: { max: 10 } });
  // Closed however the run ends: a consumer left open would keep the bench from exiting.
  const transports: { close(): Promise<void> }[] = [];
  try {
    await runEventMigrations(publisherDb);
    await runEventMigrations(consumerDb);
    await publisherDb.query('CREATE TABLE pings (n int PRIMARY KEY)');
    await consumerDb.query('CREATE TABLE seen (n int PRIMARY KEY)');
    const publisher = await openTransport({
      url: eventsUrl,
      db: publisherDb,
      directory: noSubscribers,
      namespace: `bench${tag}`,
    });
    transports.push(publisher);
    const consuming = await openTransport({
      url: eventsUrl,
      db: consumerDb,
      directory: noSubscribers,
      namespace: `bench${tag}`,
    });
    transports.push(consuming);
    const committed = counter();
    const dispatcher = new EventDispatcher({ db: consumerDb, service: 'sink', logger });
    dispatcher.add(
      subscription(Ping, async (event, { tx }) => {
        await tx.query('INSERT INTO seen (n) VALUES ($1)', [(event.data as { n: number }).n]);
      }),
    );
    const consume = () =>
      consuming.consume(
        { service: 'sink', patterns: [{ from: 'bench', pattern: 'bench.ping' }], prefetch: 100 },
        async (deliveries) => {
          const outcomes = await dispatcher.deliverBatch(deliveries);
          committed.add(outcomes.filter((outcome) => outcome.includes('processed')).length);
        },
      );
    // The publishing service's own events, as a service runs them: its commits wake its relay.
    const startRelay = async (): Promise<Path> => {
      const events = new ServiceEvents({ service: 'bench', db: publisherDb, transport: publisher, logger });
      await events.relay.start();
      return {
        stop: () => events.relay.stop(),
        publish: (tx, data) => events.publish(tx, Ping, data),
      };
    };
    // The consumer's queue or durable consumer exists from here on, so the relay-only stage's
    // events are routable and wait on the broker.
    const stopFirst = await consume();
    const figures = await measure(publisherDb, count, committed, startRelay);
    await stopFirst();

    await write(publisherDb, 2 * count, 3 * count, 100, idle.publish);
    let cpu = machineCpu();
    let started = performance.now();
    const relay = await startRelay();
    try {
      await outboxEmpty(publisherDb);
    } finally {
      await relay.stop();
    }
    const relayOnly = count / ((performance.now() - started) / 1000);
    const relayOnlyCpu = cpuPerEvent(cpu, machineCpu(), count);
    cpu = machineCpu();
    started = performance.now();
    const stopSecond = await consume();
    await committed.reach(3 * count);
    const consumerOnly = count / ((performance.now() - started) / 1000);
    const consumerOnlyCpu = cpuPerEvent(cpu, machineCpu(), count);
    await stopSecond();
    return { ...figures, relayOnly, consumerOnly, relayOnlyCpu, consumerOnlyCpu };
  } finally {
    for (const transport of transports) await transport.close().catch(() => {});
    await publisherDb.query(`DROP SCHEMA bench_pub_${tag} CASCADE`);
    await consumerDb.query(`DROP SCHEMA bench_sub_${tag} CASCADE`);
    await publisherDb.close();
    await consumerDb.close();
  }
}

/** A running path: the kit's relay (and consumer) as a service runs them, and how it publishes. */
export interface Path {
  stop(): Promise<unknown>;
  publish(tx: Queryable, data: { n: number; padding: string }): Promise<unknown>;
}

/** Events `from` … `to - 1`, each a business row + its event in one transaction (or `perTransaction`). */
export async function write(
  db: Database,
  from: number,
  to: number,
  perTransaction: number,
  publish: Path['publish'],
): Promise<void> {
  const padding = 'x'.repeat(200);
  let next = from;
  const writer = async () => {
    while (next < to) {
      const start = next;
      next = Math.min(to, next + perTransaction);
      const end = next;
      await db.transaction(async (tx) => {
        for (let n = start; n < end; n++) {
          await tx.query('INSERT INTO pings (n) VALUES ($1)', [n]);
          await publish(tx, { n, padding });
        }
      });
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
}

/**
 * Both figures for one path: `count` events written while the path (`start`) runs, timed from the
 * first write to the last consumer commit; then `count` more written into the outbox first and
 * timed from the path's start.
 */
export async function measure(
  db: Database,
  count: number,
  committed: ReturnType<typeof counter>,
  start: () => Promise<Path>,
): Promise<PipelineFigures> {
  const first = await start();
  let started = performance.now();
  try {
    await write(db, 0, count, 1, first.publish);
    await delivered(db, committed, count);
  } finally {
    await first.stop();
  }
  const endToEnd = count / ((performance.now() - started) / 1000);

  await write(db, count, 2 * count, 100, idle.publish);
  const cpu = machineCpu();
  started = performance.now();
  const second = await start();
  try {
    await delivered(db, committed, 2 * count);
  } finally {
    await second.stop();
  }
  const drain = count / ((performance.now() - started) / 1000);
  const drainCpu = cpuPerEvent(cpu, machineCpu(), count);
  return { endToEnd, drain, drainCpu };
}

/**
 * Resolves once `at` events have committed; fails as soon as the relay parks one, which would never
 * arrive: a transport that keeps failing ends its figures with its error instead of hanging the run.
 */
async function delivered(db: Database, committed: ReturnType<typeof counter>, at: number): Promise<void> {
  let reached = false;
  const parked = until(
    `${at} events committed, or one parked`,
    async () => {
      if (reached) return { error: undefined };
      const { rows } = await db.query<{ last_error: string }>(
        "SELECT last_error FROM flotilla_outbox_retry WHERE status = 'parked' LIMIT 1",
      );
      return rows[0] && { error: rows[0].last_error };
    },
    3_600_000,
    1_000,
  );
  await Promise.race([
    committed.reach(at).then(() => {
      reached = true;
    }),
    parked.then(({ error }) => {
      if (error !== undefined) throw new Error(`the relay parked an event: ${error}`);
    }),
  ]);
}

/** Polled every 50 ms: each count is PostgreSQL work of its own, charged to the relay's stage. */
async function outboxEmpty(db: Database): Promise<void> {
  await until('the outbox drained', async () => (await outboxBacklog(db)).pending === 0, 600_000, 50);
}

/** Publishes into the outbox while no relay runs (to fill it before a drain). */
const idle: Pick<Path, 'publish'> = {
  publish: (tx, data) => publishEvent(tx, Ping, data),
};

/** Counts consumer commits; `reach(n)` resolves once n have committed. */
export function counter() {
  let value = 0;
  const waiting: { at: number; resolve: () => void }[] = [];
  return {
    add(amount: number) {
      value += amount;
      for (const waiter of waiting.filter((entry) => entry.at <= value)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    reach(at: number): Promise<void> {
      if (value >= at) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ at, resolve }));
    },
  };
}

export { Ping };
