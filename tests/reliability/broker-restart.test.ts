import { randomBytes } from 'node:crypto';
import type { Database } from '@flotilla/kit/db';
import {
  defineEvent,
  noSubscribers,
  OutboxRelay,
  openTransport,
  publishEvent,
  runEventMigrations,
} from '@flotilla/kit/events';
import { createLogger } from '@flotilla/kit/telemetry';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteAmqpTopology } from '../support/delete-amqp-topology.js';
import { startEventConsumer } from '../support/event-consumer-process.js';
import { outboxStatusCounts } from '../support/outbox-status-counts.js';
import { privateKafkaBroker } from '../support/private-kafka-broker.js';
import { privateNatsServer } from '../support/private-nats-server.js';
import { restartRabbitMq } from '../support/restart-rabbitmq.js';
import { until } from '../support/until.js';
import { recordFigure } from './support/record-figure.js';
import { schemaDatabase } from './support/schema-database.js';

/**
 * Scenario 3: publisher (outbox relay) → broker → consumer (inbox) carrying 100,000 events while the
 * broker is restarted twice. Every event's effect must exist exactly once; redeliveries the inbox
 * caught are counted and reported.
 */
const EVENTS = 100_000;
// Restarts happen once the consumer has applied these shares of the run, so they fall mid-stream
// whatever the throughput.
const RESTART_AT = [0.3, 0.65];
// A hang guard only: the run takes about a minute at today's throughput (Kafka: 45–54 s on 2 cores
// with a CI run going on, so it carries the full count too).
const DRAIN_GUARD_MS = 420_000;

const Counted = defineEvent({
  source: 'counter',
  type: 'count.up',
  schema: Type.Object({ n: Type.Integer() }),
});
const logger = createLogger({ name: 'broker-restart', level: 'silent' });
const databaseUrl = process.env.DATABASE_URL ?? '';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function tally(db: Database): Promise<{ total: number; distinct: number; duplicates: number }> {
  const { rows } = await db.query<{ total: string; distinct: string; duplicates: string }>(
    `SELECT count(*) AS total, count(DISTINCT n) AS distinct,
            (SELECT count(*) FROM duplicates) AS duplicates FROM effects`,
  );
  const row = rows[0]!;
  return { total: Number(row.total), distinct: Number(row.distinct), duplicates: Number(row.duplicates) };
}

/**
 * Writes the run's events to the outbox, 1,000 per transaction as a service's handlers would, from
 * four connections at once so publishing keeps ahead of the relay.
 */
async function publishAll(db: Database): Promise<void> {
  const lanes = 4;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let start = lane * 1_000; start < EVENTS; start += lanes * 1_000) {
        await db.transaction(async (tx) => {
          for (let n = start; n < start + 1_000; n++) {
            await publishEvent(tx, Counted, { n }, { key: `k${n % 16}` });
          }
        });
      }
    }),
  );
}

const brokers = [
  {
    name: 'rabbitmq',
    figureId: '3-broker-restart-rabbitmq',
    title: 'Broker restarted twice during 100,000 events (RabbitMQ)',
    async open() {
      const url = process.env.FLOTILLA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
      return {
        url,
        restart: restartRabbitMq,
        cleanUp: (namespace: string) => deleteAmqpTopology(url, namespace),
      };
    },
  },
  {
    name: 'nats',
    figureId: '3-broker-restart-nats',
    title: 'Broker restarted twice during 100,000 events (NATS JetStream)',
    async open() {
      const server = await privateNatsServer();
      return { url: server.url, restart: () => server.restart(), cleanUp: () => server.close() };
    },
  },
  {
    name: 'kafka',
    figureId: '3-broker-restart-kafka',
    title: 'Broker restarted twice during 100,000 events (Apache Kafka)',
    async open() {
      const broker = await privateKafkaBroker();
      return { url: broker.url, restart: () => broker.restart(), cleanUp: () => broker.close() };
    },
  },
] as const;

describe.each(brokers)('broker restart: $name', ({ figureId, title, open }) => {
  it(`loses none of ${EVENTS.toLocaleString('en')} events and applies each once across two broker restarts`, {
    // A hang guard only, far beyond a run on a busy machine (about 7 minutes for RabbitMQ here).
    timeout: 900_000,
  }, async () => {
    const namespace = `rel${randomBytes(5).toString('hex')}`;
    const broker = await open();
    cleanups.push(() => broker.cleanUp(namespace));
    const publisherDb = await schemaDatabase(cleanups);
    await runEventMigrations(publisherDb);
    const consumerDb = await schemaDatabase(cleanups);
    await runEventMigrations(consumerDb);
    await consumerDb.query(
      'CREATE TABLE effects (n int NOT NULL); CREATE TABLE duplicates (at timestamptz DEFAULT now())',
    );

    const consumer = await startEventConsumer({
      databaseUrl,
      schema: consumerDb.schema,
      eventsUrl: broker.url,
      namespace,
    });
    cleanups.push(async () => consumer.kill('SIGKILL'));
    const publisher = await openTransport({
      url: broker.url,
      db: publisherDb,
      directory: noSubscribers,
      namespace,
    });
    cleanups.push(() => publisher.close());
    const relay = new OutboxRelay({
      db: publisherDb,
      transport: publisher,
      logger,
      pollIntervalMs: 200,
      leaseMs: 5_000,
      // A broker that is down only delays delivery: attempts never run out during the scenario.
      maxAttempts: 10_000,
      backoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
    });
    cleanups.push(() => relay.stop());

    const startedAt = Date.now();
    await relay.start();
    const publishing = publishAll(publisherDb);
    const restarts: { atEffects: number; tookMs: number }[] = [];
    for (const share of RESTART_AT) {
      const atEffects = await until(
        `${share * EVENTS} effects before a restart`,
        async () => {
          const { distinct } = await tally(consumerDb);
          return distinct >= share * EVENTS ? distinct : undefined;
        },
        DRAIN_GUARD_MS,
      );
      const restartedAt = Date.now();
      await broker.restart();
      restarts.push({ atEffects, tookMs: Date.now() - restartedAt });
    }
    await publishing;
    const drained = await until(
      'every event applied',
      async () => {
        const counts = await tally(consumerDb);
        return counts.distinct >= EVENTS ? counts : undefined;
      },
      DRAIN_GUARD_MS,
    );
    const elapsedMs = Date.now() - startedAt;
    // Redeliveries still in flight would show up as duplicates; give them a moment to settle.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const final = await tally(consumerDb);

    const lost = EVENTS - final.distinct;
    const duplicateEffects = final.total - final.distinct;
    recordFigure(import.meta.url, {
      id: figureId,
      title,
      result: `lost ${lost} of ${EVENTS.toLocaleString('en')}, duplicate effects ${duplicateEffects}, ${final.duplicates} redeliveries caught by the inbox; broker restarted at ${restarts.map((r) => r.atEffects.toLocaleString('en')).join(' and ')} effects`,
      measurements: {
        events: EVENTS,
        lost,
        duplicateEffects,
        redeliveriesCaughtByInbox: final.duplicates,
        restartsAtEffects: restarts.map((r) => r.atEffects).join(','),
        restartDurationsMs: restarts.map((r) => r.tookMs).join(','),
        drainedAfterMs: elapsedMs,
        effectsWhenDrained: drained.total,
      },
    });
    expect(final).toMatchObject({ total: EVENTS, distinct: EVENTS });
    expect(restarts).toHaveLength(2);
    expect(restarts.every((restart) => restart.atEffects < EVENTS)).toBe(true);
    await expect.poll(() => outboxStatusCounts(publisherDb), { timeout: 30_000 }).toEqual({ sent: EVENTS });
  });
});
