/**
 * The peer: graphile-worker doing the kit's end-to-end job on the same broker. Each business
 * transaction adds a job with `add_job` on its own connection; a task publishes the job's CloudEvent
 * where the kit's transport would (same exchange or subject, routing key, message properties) and
 * awaits the broker's confirm; the kit's consumer (EventDispatcher with the inbox) commits it. Timed
 * like the kit's figure: first write to last consumer commit.
 */
import { newId, openDatabase } from '@flotilla/kit/db';
import {
  CLOUD_EVENT_CONTENT_TYPE,
  type CloudEvent,
  EventDispatcher,
  noSubscribers,
  openTransport,
  runEventMigrations,
  subscription,
} from '@flotilla/kit/events';
import { createLogger } from '@flotilla/kit/telemetry';
import { jetstream } from '@nats-io/jetstream';
import { connect as connectNats, headers as natsHeaders } from '@nats-io/transport-node';
import amqp from 'amqplib';
import { type Job, Logger, run } from 'graphile-worker';
import { cpuPerEvent, machineCpu } from './machine-cpu.js';
import { counter, Ping, WRITERS, write } from './pipeline.js';

/** graphile-worker's performance page's configuration for throughput. */
const TUNING = {
  concurrentJobs: 24,
  maxPoolSize: 25,
  localQueue: { size: 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
} as const;

export const GRAPHILE_WORKER_SETTINGS =
  `concurrentJobs ${TUNING.concurrentJobs}, maxPoolSize ${TUNING.maxPoolSize}, ` +
  `localQueue.size ${TUNING.localQueue.size}, completeJobBatchDelay ${TUNING.completeJobBatchDelay}, ` +
  `failJobBatchDelay ${TUNING.failJobBatchDelay}`;

export interface PeerFigures {
  /** Events per second, first write to last consumer commit. */
  readonly endToEnd: number;
  /** The machine's CPU per event over the same span, per program. */
  readonly cpu: string;
}

/** Sends one event to the broker and resolves once the broker has confirmed it. */
interface Forwarder {
  send(event: CloudEvent): Promise<void>;
  close(): Promise<void>;
}

const logger = createLogger({ name: 'bench', level: 'silent' });
// Failed jobs are surfaced by the `job:error` event; the rest of the worker's log is noise here.
const quiet = new Logger(() => () => {});

export async function graphileWorker(
  databaseUrl: string,
  eventsUrl: string,
  count: number,
  tag: string,
): Promise<PeerFigures> {
  const namespace = `benchgw${tag}`;
  const jobs = `bench_gw_jobs_${tag}`;
  const publisherDb = await openDatabase({
    url: databaseUrl,
    schema: `bench_gw_pub_${tag}`,
    pool: { max: WRITERS + 4 },
  });
  const consumerDb = await openDatabase({
    url: databaseUrl,
    schema: `bench_gw_sub_${tag}`,
    pool: { max: 10 },
  });
  const closing: { close(): Promise<void> }[] = [];
  try {
    await runEventMigrations(consumerDb);
    await publisherDb.query('CREATE TABLE pings (n int PRIMARY KEY)');
    await consumerDb.query('CREATE TABLE seen (n int PRIMARY KEY)');
    const consuming = await openTransport({
      url: eventsUrl,
      db: consumerDb,
      directory: noSubscribers,
      namespace,
    });
    closing.push(consuming);
    const committed = counter();
    const dispatcher = new EventDispatcher({ db: consumerDb, service: 'sink', logger });
    dispatcher.add(
      subscription(Ping, async (event, { tx }) => {
        await tx.query('INSERT INTO seen (n) VALUES ($1)', [(event.data as { n: number }).n]);
      }),
    );
    // Bound before any job runs, so every published event is routable.
    const stopConsumer = await consuming.consume(
      { service: 'sink', patterns: [{ from: 'bench', pattern: 'bench.ping' }], prefetch: 100 },
      async (deliveries) => {
        const outcomes = await dispatcher.deliverBatch(deliveries);
        committed.add(outcomes.filter((outcome) => outcome.includes('processed')).length);
      },
    );
    closing.push({ close: stopConsumer });
    const forwarder = await forwarderFor(eventsUrl, namespace);
    closing.push(forwarder);

    const runner = await run({
      connectionString: databaseUrl,
      schema: jobs,
      concurrency: TUNING.concurrentJobs,
      maxPoolSize: TUNING.maxPoolSize,
      noHandleSignals: true,
      logger: quiet,
      preset: { worker: TUNING },
      taskList: { publish: (payload) => forwarder.send(payload as CloudEvent) },
    });
    closing.push({ close: () => runner.stop() });
    const failed = new Promise<never>((_, reject) =>
      runner.events.on('job:error', ({ job, error }: { job: Job; error: unknown }) =>
        reject(new Error(`graphile-worker job ${job.id} failed: ${String(error)}`)),
      ),
    );

    const cpu = machineCpu();
    const started = performance.now();
    await Promise.race([
      failed,
      (async () => {
        await write(publisherDb, 0, count, 1, (tx, data) =>
          tx.query(`SELECT ${jobs}.add_job('publish', $1::json)`, [JSON.stringify(envelope(data))]),
        );
        await committed.reach(count);
      })(),
    ]);
    const endToEnd = count / ((performance.now() - started) / 1000);
    return { endToEnd, cpu: cpuPerEvent(cpu, machineCpu(), count) };
  } finally {
    for (const resource of closing.reverse()) await resource.close().catch(() => {});
    await publisherDb.query(`DROP SCHEMA IF EXISTS ${jobs} CASCADE`);
    await publisherDb.query(`DROP SCHEMA bench_gw_pub_${tag} CASCADE`);
    await consumerDb.query(`DROP SCHEMA bench_gw_sub_${tag} CASCADE`);
    await publisherDb.close();
    await consumerDb.close();
  }
}

/** The CloudEvent the kit would write for `data` (the kit's own builder is internal). */
function envelope(data: { n: number; padding: string }): CloudEvent {
  return {
    specversion: '1.0',
    id: newId(),
    source: `/${Ping.source}`,
    type: Ping.type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

async function forwarderFor(url: string, namespace: string): Promise<Forwarder> {
  if (url.startsWith('amqp')) return amqpForwarder(url, `${namespace}.events`);
  if (url.startsWith('nats')) return natsForwarder(url, namespace);
  throw new Error(`no graphile-worker peer for ${url}`);
}

/**
 * As the kit's AMQP transport publishes: persistent and mandatory on one confirm channel, a
 * returned message counting as not sent. The concurrently running jobs share the channel, so the
 * broker confirms them in batches (one multiple-ack for many publishes); each job awaits its own.
 */
async function amqpForwarder(url: string, exchange: string): Promise<Forwarder> {
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const returned = new Set<string>();
  channel.on('return', (message: amqp.ConsumeMessage) => returned.add(String(message.properties.messageId)));
  return {
    send: (event) =>
      new Promise<void>((resolve, reject) => {
        // The kit's routing key: `<publisher>.<type>`.
        const routingKey = `${event.source.replace(/^\//, '')}.${event.type}`;
        const properties = {
          persistent: true,
          mandatory: true,
          messageId: event.id,
          contentType: CLOUD_EVENT_CONTENT_TYPE,
          timestamp: Math.floor(Date.parse(event.time) / 1000),
          headers: {},
        };
        channel.publish(
          exchange,
          routingKey,
          Buffer.from(JSON.stringify(event)),
          properties,
          (error: unknown) => {
            if (error) reject(new Error(`not confirmed: ${String(error)}`));
            else if (returned.delete(event.id)) reject(new Error(`unroutable: ${routingKey}`));
            else resolve();
          },
        );
      }),
    close: () => connection.close(),
  };
}

/**
 * As the kit's NATS transport publishes: to `<prefix>.<publisher>.<type>` in the stream the
 * consumer created, with the event id as `Nats-Msg-Id`, each publish awaiting its stream ack.
 */
async function natsForwarder(url: string, prefix: string): Promise<Forwarder> {
  const connection = await connectNats({ servers: url.replace('nats://', '') });
  const js = jetstream(connection);
  return {
    send: async (event) => {
      const headers = natsHeaders();
      headers.set('content-type', CLOUD_EVENT_CONTENT_TYPE);
      await js.publish(`${prefix}.${event.source.replace(/^\//, '')}.${event.type}`, JSON.stringify(event), {
        msgID: event.id,
        headers,
      });
    },
    close: () => connection.close(),
  };
}
