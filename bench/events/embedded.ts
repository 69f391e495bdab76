/** The embedded transport: two services in this process, publisher → HTTP → subscriber. */
import { defineService, startService } from '@flotilla/kit';
import { httpSubscriberDirectory, subscription } from '@flotilla/kit/events';
import { testDatabase } from '@flotilla/kit/testing';
import { Ping, write } from './pipeline.js';

export async function embedded(count: number): Promise<number> {
  const publisherDb = await testDatabase();
  const consumerDb = await testDatabase();
  let committed = 0;
  let finished: () => void = () => {};
  const allSeen = new Promise<void>((resolve) => {
    finished = resolve;
  });
  await consumerDb.query('CREATE TABLE seen (n int PRIMARY KEY)');
  await publisherDb.query('CREATE TABLE pings (n int PRIMARY KEY)');
  const sink = await startService(
    defineService({
      name: 'sink',
      version: '1.0.0',
      subscriptions: [
        subscription(Ping, async (event, { tx }) => {
          await tx.query('INSERT INTO seen (n) VALUES ($1)', [(event.data as { n: number }).n]);
          // Counted after the handler; the commit follows within the same delivery.
          if (++committed === count) setImmediate(finished);
        }),
      ],
      routes: () => {},
    }),
    { environment: { LOG_LEVEL: 'silent' }, database: consumerDb },
  );
  const source = await startService(defineService({ name: 'bench', version: '1.0.0', routes: () => {} }), {
    environment: { LOG_LEVEL: 'silent' },
    database: publisherDb,
    events: { relay: { pollIntervalMs: 50 } },
    subscriberDirectory: httpSubscriberDirectory({
      instances: async () => [{ service: 'sink', url: sink.url }],
    }),
  });
  try {
    const started = performance.now();
    await write(publisherDb, count);
    await allSeen;
    return count / ((performance.now() - started) / 1000);
  } finally {
    await source.stop();
    await sink.stop();
    await publisherDb.dispose();
    await consumerDb.dispose();
  }
}
