import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { schemaDatabase } from '../../../../../tests/reliability/support/schema-database.js';
import { deleteAmqpTopology } from '../../../../../tests/support/delete-amqp-topology.js';
import { startEventConsumer } from '../../../../../tests/support/event-consumer-process.js';
import { freePort } from '../../../../../tests/support/free-port.js';
import { outboxStatusCounts } from '../../../../../tests/support/outbox-status-counts.js';
import { privateKafkaBroker } from '../../../../../tests/support/private-kafka-broker.js';
import { privateNatsServer } from '../../../../../tests/support/private-nats-server.js';
import { restartRabbitMq } from '../../../../../tests/support/restart-rabbitmq.js';
import type { Database } from '../../db/index.js';
import { createLogger } from '../../telemetry/index.js';
import { defineEvent } from '../event-definition.js';
import { EventDispatcher } from '../event-dispatcher.js';
import { outboxEntries } from '../outbox-entries.js';
import { OutboxRelay } from '../outbox-relay.js';
import { publishEvent } from '../publish-event.js';
import { runEventMigrations } from '../run-event-migrations.js';
import { noSubscribers, type SubscriberDirectory } from '../subscriber-directory.js';
import { subscription } from '../subscription.js';
import type { Delivery, EventTransport } from './event-transport.js';
import { KafkaTransport } from './kafka/kafka-transport.js';
import { parseKafkaUrl } from './kafka/kafka-url.js';
import { openTransport } from './resolve-transport.js';

const AMQP_URL = process.env.FLOTILLA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const NATS_URL = process.env.FLOTILLA_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const KAFKA_URL = process.env.FLOTILLA_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092';
const SHARED_URL = { amqp: AMQP_URL, nats: NATS_URL, kafka: KAFKA_URL };
const logger = createLogger({ name: 'broker-test', level: 'silent' });
const Counted = defineEvent({
  source: 'counter',
  type: 'count.up',
  schema: Type.Object({ n: Type.Integer() }),
});
const Unheard = defineEvent({ source: 'counter', type: 'count.unheard', schema: Type.Object({}) });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function database(): Promise<Database & { schema: string }> {
  const db = await schemaDatabase(cleanups);
  await runEventMigrations(db);
  return db;
}

type Kind = 'amqp' | 'nats' | 'kafka' | 'embedded';

async function brokerCleanup(kind: Kind, url: string, namespace: string): Promise<void> {
  if (kind === 'embedded') return;
  if (kind === 'amqp') {
    await deleteAmqpTopology(url, namespace);
  } else if (kind === 'kafka') {
    const admin = new Admin({
      clientId: 'broker-test-cleanup',
      bootstrapBrokers: [...parseKafkaUrl(url).brokers],
    });
    await admin.deleteGroups({ groups: [`${namespace}.tally`] }).catch(() => {});
    await admin.deleteTopics({ topics: [`${namespace}.counter`] }).catch(() => {});
    await admin.close();
  } else {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const connection = await connect({ servers: url.replace('nats://', '') });
    const jsm = await jetstreamManager(connection);
    await jsm.streams.delete(`${namespace}_counter`).catch(() => false);
    await connection.close();
  }
}

interface Setup {
  namespace: string;
  publisherDb: Database;
  consumerDb: Database & { schema: string };
  publisher: EventTransport;
  relay: OutboxRelay;
}

async function setup(
  kind: Kind,
  url: string,
  directory: SubscriberDirectory = noSubscribers,
): Promise<Setup> {
  const namespace = `t${randomBytes(5).toString('hex')}`;
  cleanups.push(() => brokerCleanup(kind, url, namespace));
  const publisherDb = await database();
  const consumerDb = await database();
  await consumerDb.query(
    'CREATE TABLE effects (n int NOT NULL); CREATE TABLE duplicates (at timestamptz DEFAULT now())',
  );
  const publisher = await openTransport({ url, db: publisherDb, directory, namespace });
  cleanups.push(() => publisher.close());
  const relay = new OutboxRelay({
    db: publisherDb,
    transport: publisher,
    logger,
    pollIntervalMs: 200,
    leaseMs: 5_000,
    maxAttempts: 1_000,
    backoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
  });
  cleanups.push(() => relay.stop());
  return { namespace, publisherDb, consumerDb, publisher, relay };
}

/**
 * Consumes in this process with the kit's dispatcher; counts the redeliveries the inbox caught.
 * `stop` ends it mid-test (on Kafka, the instance leaves its group).
 */
async function consumeHere(
  url: string,
  { namespace, consumerDb }: Setup,
  handle: (n: number) => void = () => {},
) {
  const transport = await openTransport({ url, db: consumerDb, directory: noSubscribers, namespace });
  const dispatcher = new EventDispatcher({
    db: consumerDb,
    service: 'tally',
    logger,
    maxAttempts: 3,
    backoff: { initialDelayMs: 5, maxDelayMs: 20 },
  });
  dispatcher.add(
    subscription(Counted, async (event, { tx }) => {
      const { n } = event.data as { n: number };
      handle(n);
      await tx.query('INSERT INTO effects (n) VALUES ($1)', [n]);
    }),
  );
  let duplicates = 0;
  const stop = await transport.consume(
    { service: 'tally', patterns: [{ from: 'counter', pattern: 'count.up' }], prefetch: 100 },
    async (deliveries) => {
      const outcomes = await dispatcher.deliverBatch(deliveries);
      duplicates += outcomes.filter((outcome) => outcome.includes('duplicate')).length;
    },
  );
  const leave = async () => {
    await stop();
    await transport.close();
  };
  cleanups.push(leave);
  return { duplicates: () => duplicates, stop: leave };
}

async function publish(db: Database, from: number, to: number, perTransaction = 100): Promise<void> {
  for (let start = from; start < to; start += perTransaction) {
    await db.transaction(async (tx) => {
      for (let n = start; n < Math.min(to, start + perTransaction); n++) {
        await publishEvent(tx, Counted, { n }, { key: `k${n % 16}` });
      }
    });
  }
}

async function tally(db: Database): Promise<{ total: number; distinct: number }> {
  const { rows } = await db.query<{ total: string; distinct: string }>(
    'SELECT count(*) AS total, count(DISTINCT n) AS distinct FROM effects',
  );
  return { total: Number(rows[0]!.total), distinct: Number(rows[0]!.distinct) };
}

/** The consumer as a child process, so it can be SIGKILLed; over the embedded transport it serves `port`. */
async function consumerProcess(
  url: string,
  { namespace, consumerDb }: Setup,
  port = 0,
): Promise<ChildProcess> {
  const child = await startEventConsumer({
    databaseUrl: process.env.DATABASE_URL ?? '',
    schema: consumerDb.schema,
    eventsUrl: url,
    namespace,
    port,
  });
  cleanups.push(async () => {
    child.kill('SIGKILL');
  });
  return child;
}

/** A NATS server or Kafka broker of this test's own, so restarting it disturbs nobody. */
async function brokerOfOurOwn(kind: 'nats' | 'kafka') {
  const server = kind === 'nats' ? await privateNatsServer() : await privateKafkaBroker();
  cleanups.push(() => server.close());
  return server;
}

/**
 * 10,000 events published in three rounds while the consumer process is SIGKILLed and restarted
 * (and `between` runs, e.g. a broker restart): lost 0 and duplicate effects 0 are asserted, the
 * redeliveries the inbox caught are counted and reported.
 */
async function throughAKill(
  kind: Kind,
  url: string,
  context: Setup,
  port = 0,
  between: () => Promise<void> = async () => {},
): Promise<void> {
  let consumer = await consumerProcess(url, context, port);
  await context.relay.start();
  await publish(context.publisherDb, 0, 3_000);
  await expect
    .poll(() => tally(context.consumerDb).then((t) => t.distinct), { timeout: 60_000 })
    .toBeGreaterThan(500);
  consumer.kill('SIGKILL');
  await publish(context.publisherDb, 3_000, 6_000);
  consumer = await consumerProcess(url, context, port);
  await between();
  await publish(context.publisherDb, 6_000, 10_000);
  await expect
    .poll(() => tally(context.consumerDb).then((t) => t.distinct), { timeout: 180_000, interval: 500 })
    .toBe(10_000);
  const result = await tally(context.consumerDb);
  const { rows } = await context.consumerDb.query<{ n: string }>('SELECT count(*) AS n FROM duplicates');
  console.info(
    `${kind}: 10,000 events, lost 0, duplicate effects ${result.total - result.distinct}, duplicate deliveries caught by the inbox ${rows[0]!.n}`,
  );
  expect(result).toEqual({ total: 10_000, distinct: 10_000 });
  await expect
    .poll(() => outboxStatusCounts(context.publisherDb), { timeout: 30_000 })
    .toEqual({ sent: 10_000 });
}

describe('events over the embedded transport', () => {
  it('loses nothing and has each effect once: 10,000 events, consumer SIGKILLed and restarted', {
    timeout: 300_000,
  }, async () => {
    const port = await freePort();
    const directory: SubscriberDirectory = {
      subscribersOf: async () => [{ service: 'tally', url: `http://127.0.0.1:${port}` }],
    };
    await throughAKill('embedded', '', await setup('embedded', '', directory), port);
  });
});

describe.each(['amqp', 'nats', 'kafka'] as const)('events over %s', (kind) => {
  it('loses nothing and has each effect once: 10,000 events, consumer SIGKILLed and restarted, broker restarted', {
    timeout: 300_000,
  }, async () => {
    const own = kind === 'amqp' ? undefined : await brokerOfOurOwn(kind);
    const url = own?.url ?? AMQP_URL;
    await throughAKill(kind, url, await setup(kind, url), 0, () => own?.restart() ?? restartRabbitMq());
  });

  it('loses nothing and has each effect once when the relay dies between the confirm and saving its cursor', {
    timeout: 120_000,
  }, async () => {
    const url = SHARED_URL[kind];
    const context = await setup(kind, url);
    const consumer = await consumeHere(url, context);
    await publish(context.publisherDb, 0, 1_000);
    // The dying relay's broker confirms every event, then its cursor save never reaches the database.
    const confirmed = new Set<string>();
    const { publisherDb, publisher } = context;
    // From its first cursor save on, the process is gone: none of its statements reach the database.
    let dead = false;
    const dying = new OutboxRelay({
      db: {
        ...publisherDb,
        query: (sql: string, params?: unknown[]) => {
          dead ||= /UPDATE flotilla_outbox_cursor SET done/.test(sql);
          return dead
            ? Promise.reject(new Error('relay killed after the confirm'))
            : publisherDb.query(sql, params);
        },
      } as Database,
      transport: {
        kind: publisher.kind,
        label: publisher.label,
        consume: (binding, handler) => publisher.consume(binding, handler),
        close: () => publisher.close(),
        async publish(events) {
          const outcomes = await publisher.publish(events);
          for (const [index, outcome] of outcomes.entries()) if (outcome.ok) confirmed.add(events[index]!.id);
          return outcomes;
        },
      },
      logger,
      pollIntervalMs: 200,
      leaseMs: 5_000,
      // One batch, so every event is confirmed before the first save fails.
      batchSize: 1_000,
    });
    await dying.start();
    await expect.poll(() => confirmed.size, { timeout: 60_000 }).toBe(1_000);
    await dying.stop();
    expect(await outboxStatusCounts(publisherDb)).toEqual({ pending: 1_000 });
    // Another instance takes the cursor over once the dead relay's lease has run out, and resends.
    await context.relay.start();
    await expect.poll(() => outboxStatusCounts(publisherDb), { timeout: 60_000 }).toEqual({ sent: 1_000 });
    // RabbitMQ and Kafka deliver every event a second time; JetStream drops the resends itself, as
    // they carry the event id as Nats-Msg-Id inside the duplicate window.
    await expect.poll(() => consumer.duplicates(), { timeout: 60_000 }).toBe(kind === 'nats' ? 0 : 1_000);
    await expect
      .poll(() => tally(context.consumerDb), { timeout: 60_000 })
      .toEqual({ total: 1_000, distinct: 1_000 });
    console.info(
      `${kind}: relay killed between confirm and cursor save, 1,000 events, lost 0, duplicate effects 0, duplicate deliveries caught by the inbox ${consumer.duplicates()}`,
    );
  });

  it('keeps per-key order with one consumer instance and no failures (measured)', {
    timeout: 60_000,
  }, async () => {
    const url = SHARED_URL[kind];
    const context = await setup(kind, url);
    await context.consumerDb.query('ALTER TABLE effects ADD COLUMN at bigserial');
    await consumeHere(url, context);
    await context.relay.start();
    await publish(context.publisherDb, 0, 1_000);
    await expect
      .poll(() => tally(context.consumerDb), { timeout: 30_000 })
      .toEqual({ total: 1_000, distinct: 1_000 });
    // Events of a key were published in increasing n; count commits that came before a smaller n.
    const { rows } = await context.consumerDb.query<{ inversions: string }>(
      `SELECT count(*) AS inversions FROM (
         SELECT n, lag(n) OVER (PARTITION BY n % 16 ORDER BY at) AS previous FROM effects) ordered
       WHERE previous > n`,
    );
    console.info(`${kind}: 1,000 events over 16 keys, per-key inversions ${rows[0]!.inversions}`);
    expect(rows[0]!.inversions).toBe('0');
  });

  it('dead-letters a poison event after exactly N attempts; the others are processed', {
    timeout: 60_000,
  }, async () => {
    const url = SHARED_URL[kind];
    const context = await setup(kind, url);
    const calls = new Map<number, number>();
    await consumeHere(url, context, (n) => {
      calls.set(n, (calls.get(n) ?? 0) + 1);
      if (n === 5) throw new Error('poison 5');
    });
    await context.relay.start();
    await publish(context.publisherDb, 0, 10);
    await expect
      .poll(() => tally(context.consumerDb), { timeout: 30_000 })
      .toEqual({ total: 9, distinct: 9 });
    await expect
      .poll(async () => (await context.consumerDb.query('SELECT 1 FROM flotilla_dead_letters')).rowCount, {
        timeout: 20_000,
      })
      .toBe(1);
    const { rows } = await context.consumerDb.query<{ error: string; attempts: number; headers: object }>(
      'SELECT error, attempts, headers FROM flotilla_dead_letters',
    );
    expect(rows[0]).toMatchObject({ error: 'poison 5', attempts: 3 });
    expect(calls.get(5)).toBe(3);
  });

  it('keeps an event no subscriber has taken: not lost, not wrongly marked sent', {
    timeout: 60_000,
  }, async () => {
    const url = SHARED_URL[kind];
    const context = await setup(kind, url);
    await context.publisherDb.transaction(async (tx) => {
      await publishEvent(tx, Counted, { n: 1 });
      await publishEvent(tx, Unheard, {});
    });
    await context.relay.runOnce();
    if (kind === 'amqp') {
      // No queue is bound yet: the broker returns both; neither counts as sent.
      expect(await outboxStatusCounts(context.publisherDb)).toEqual({ pending: 2 });
      const entries = await outboxEntries(context.publisherDb);
      expect(entries.every((entry) => /unroutable/.test(entry.lastError ?? ''))).toBe(true);
    } else {
      // JetStream and Kafka store the publisher's events whether or not a consumer exists yet.
      expect(await outboxStatusCounts(context.publisherDb)).toEqual({ sent: 2 });
    }
    await consumeHere(url, context);
    await context.publisherDb.query(
      "UPDATE flotilla_outbox_retry SET next_attempt_at = now() WHERE status = 'pending'",
    );
    await context.relay.start();
    await expect
      .poll(() => tally(context.consumerDb), { timeout: 30_000 })
      .toEqual({ total: 1, distinct: 1 });
    if (kind === 'amqp') {
      const entries = await outboxEntries(context.publisherDb);
      expect(
        entries.map(({ type, status }) => ({ type, status })).sort((a, b) => a.type.localeCompare(b.type)),
      ).toEqual([
        { type: 'count.unheard', status: 'pending' },
        { type: 'count.up', status: 'sent' },
      ]);
    }
  });
});

describe('events over kafka: consumer group and topics', () => {
  it('loses nothing and has each effect once when a second instance joins and leaves under load', {
    timeout: 180_000,
  }, async () => {
    const context = await setup('kafka', KAFKA_URL);
    const first = await consumeHere(KAFKA_URL, context);
    await context.relay.start();
    await publish(context.publisherDb, 0, 2_000, 50);
    await expect
      .poll(() => tally(context.consumerDb).then((t) => t.distinct), { timeout: 60_000 })
      .toBeGreaterThan(500);
    let handledBySecond = 0;
    const second = await consumeHere(KAFKA_URL, context, () => handledBySecond++);
    await publish(context.publisherDb, 2_000, 4_000, 50);
    // The group rebalanced: the second instance was given partitions and handled from them.
    await expect.poll(() => handledBySecond, { timeout: 60_000 }).toBeGreaterThan(100);
    const leaving = second.stop();
    await publish(context.publisherDb, 4_000, 6_000, 50);
    await leaving;
    const handledBeforeLeaving = handledBySecond;
    await expect
      .poll(() => tally(context.consumerDb), { timeout: 120_000, interval: 500 })
      .toEqual({ total: 6_000, distinct: 6_000 });
    expect(handledBySecond).toBe(handledBeforeLeaving);
    console.info(
      `kafka: 6,000 events, a second consumer instance joined and left, lost 0, duplicate effects 0, duplicate deliveries caught by the inbox ${first.duplicates() + second.duplicates()}`,
    );
  });

  it('delivers a batch that was not stored again from the committed offset, counting the deliveries, until the dispatcher dead-letters it; the partition flows on', {
    timeout: 120_000,
  }, async () => {
    const context = await setup('kafka', KAFKA_URL);
    const transport = await openTransport({
      url: KAFKA_URL,
      db: context.consumerDb,
      directory: noSubscribers,
      namespace: context.namespace,
    });
    const dispatcher = new EventDispatcher({
      db: context.consumerDb,
      service: 'tally',
      logger,
      maxDeliveries: 3,
    });
    dispatcher.add(
      subscription(Counted, async (event, { tx }) => {
        await tx.query('INSERT INTO effects (n) VALUES ($1)', [(event.data as { n: number }).n]);
      }),
    );
    const poison = (delivery: Delivery) =>
      (JSON.parse(delivery.body) as { data: { n: number } }).data.n === 5;
    const counts: number[] = [];
    const stop = await transport.consume(
      { service: 'tally', patterns: [{ from: 'counter', pattern: 'count.up' }], prefetch: 100 },
      async (deliveries) => {
        for (const delivery of deliveries.filter(poison)) counts.push(delivery.deliveryCount);
        // As if the consumer's database failed each time this event was in the batch.
        if (deliveries.some((delivery) => poison(delivery) && delivery.deliveryCount <= 3)) {
          throw new Error('inbox transaction failed');
        }
        await dispatcher.deliverBatch(deliveries);
      },
    );
    cleanups.push(async () => {
      await stop();
      await transport.close();
    });
    await context.relay.start();
    await publish(context.publisherDb, 5, 6);
    await expect
      .poll(
        async () =>
          (await context.consumerDb.query<{ error: string }>('SELECT error FROM flotilla_dead_letters')).rows,
        { timeout: 60_000 },
      )
      .toEqual([{ error: 'delivered 4 times without being acknowledged' }]);
    expect(counts).toEqual([1, 2, 3, 4]);
    await publish(context.publisherDb, 0, 5);
    await publish(context.publisherDb, 6, 10);
    await expect
      .poll(() => tally(context.consumerDb), { timeout: 30_000 })
      .toEqual({ total: 9, distinct: 9 });
    expect(counts).toEqual([1, 2, 3, 4]);
  });

  it('creates its topic again when it was deleted under a running publisher', {
    timeout: 60_000,
  }, async () => {
    const { namespace, transport, event } = await kafkaOfOurOwn({ publishTimeoutMs: 2_000 });
    expect(await transport.publish([event(1)])).toEqual([{ ok: true }]);
    const admin = new Admin({
      clientId: 'broker-test',
      bootstrapBrokers: [...parseKafkaUrl(KAFKA_URL).brokers],
    });
    cleanups.push(() => admin.close());
    await admin.deleteTopics({ topics: [`${namespace}.counter`] });
    await expect
      .poll(async () => (await transport.publish([event(2)]))[0], { timeout: 45_000 })
      .toEqual({ ok: true });
    const { topics } = await admin.metadata({ topics: [`${namespace}.counter`] });
    expect(topics.get(`${namespace}.counter`)?.partitionsCount).toBe(3);
  });

  it('keeps every acknowledged event when publishes overlap (the relay has several batches in flight)', {
    timeout: 90_000,
  }, async () => {
    const { transport, event } = await kafkaOfOurOwn();
    // Eight batches of 50 at once: the shape that made the client's idempotent producer drop
    // records it acknowledged, or refuse every later send.
    const batches = Array.from({ length: 8 }, (_, batch) =>
      transport.publish(Array.from({ length: 50 }, (_, index) => event(batch * 50 + index))),
    );
    const outcomes = (await Promise.all(batches)).flat();
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
    const received = new Set<string>();
    const stop = await transport.consume(
      { service: 'reader', patterns: [{ from: 'counter', pattern: '>' }], prefetch: 100 },
      async (deliveries) => {
        for (const delivery of deliveries) received.add((JSON.parse(delivery.body) as { id: string }).id);
      },
    );
    cleanups.push(stop);
    await expect.poll(() => received.size, { timeout: 60_000 }).toBe(400);
  });
});

/** A Kafka transport on a namespace of its own (dropped after the test), and events to send on it. */
async function kafkaOfOurOwn(options: { publishTimeoutMs?: number } = {}) {
  const namespace = `t${randomBytes(5).toString('hex')}`;
  cleanups.push(() => brokerCleanup('kafka', KAFKA_URL, namespace));
  const transport = await KafkaTransport.connect({
    ...parseKafkaUrl(KAFKA_URL),
    prefix: namespace,
    onError: () => {},
    ...options,
  });
  cleanups.push(() => transport.close());
  const event = (n: number) => ({
    specversion: '1.0' as const,
    id: `${namespace}-${n}`,
    source: '/counter',
    type: 'count.up',
    subject: `key-${n % 7}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json' as const,
    data: { n },
  });
  return { namespace, transport, event };
}
