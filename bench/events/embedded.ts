/**
 * The embedded transport: two services in this process, publisher → HTTP → subscriber, measured
 * like the broker pipelines (end to end with writers running; drain from a filled outbox).
 */
import { defineService, startService } from '@flotilla/kit';
import { openDatabase } from '@flotilla/kit/db';
import { httpSubscriberDirectory, runEventMigrations, subscription } from '@flotilla/kit/events';
import { counter, measure, type Path, Ping, type PipelineFigures, WRITERS } from './pipeline.js';

export async function embedded(databaseUrl: string, count: number, tag: string): Promise<PipelineFigures> {
  const publisherDb = await openDatabase({
    url: databaseUrl,
    schema: `bench_pub_${tag}`,
    pool: { max: WRITERS + 4 },
  });
  const consumerDb = await openDatabase({ url: databaseUrl, schema: `bench_sub_${tag}`, pool: { max: 10 } });
  const committed = counter();
  // The handler runs inside the service; its commits are counted from the table they fill.
  let counted = 0;
  const poll = setInterval(async () => {
    const { rows } = await consumerDb.query<{ n: string }>('SELECT count(*) AS n FROM seen');
    const now = Number(rows[0]?.n ?? 0);
    committed.add(now - counted);
    counted = now;
  }, 20);
  await consumerDb.query('CREATE TABLE seen (n int PRIMARY KEY)');
  await publisherDb.query('CREATE TABLE pings (n int PRIMARY KEY)');
  await runEventMigrations(publisherDb);
  const sink = await startService(
    defineService({
      name: 'sink',
      version: '1.0.0',
      subscriptions: [
        subscription(Ping, async (event, { tx }) => {
          await tx.query('INSERT INTO seen (n) VALUES ($1)', [(event.data as { n: number }).n]);
        }),
      ],
      routes: () => {},
    }),
    { environment: { LOG_LEVEL: 'silent' }, database: consumerDb },
  );
  const source = async (): Promise<Path> => {
    const running = await startService(defineService({ name: 'bench', version: '1.0.0', routes: () => {} }), {
      environment: { LOG_LEVEL: 'silent' },
      database: publisherDb,
      subscriberDirectory: httpSubscriberDirectory({
        instances: async () => [{ service: 'sink', url: sink.url }],
      }),
    });
    return {
      stop: () => running.stop(),
      publish: (tx, data) => running.context.events.publish(tx, Ping, data),
    };
  };
  try {
    return await measure(publisherDb, count, committed, source);
  } finally {
    clearInterval(poll);
    await sink.stop();
    await publisherDb.query(`DROP SCHEMA bench_pub_${tag} CASCADE`);
    await consumerDb.query(`DROP SCHEMA bench_sub_${tag} CASCADE`);
    await publisherDb.close();
    await consumerDb.close();
  }
}
