/**
 * The kit's whole path: business write + outbox insert in one transaction → relay → transport →
 * consumer handler committing its effect with the inbox row. Timed from the first write to the
 * last consumer commit.
 */
import { type Database, openDatabase } from '@flotilla/kit/db';
import {
  defineEvent,
  EventDispatcher,
  noSubscribers,
  OutboxRelay,
  openTransport,
  publishEvent,
  runEventMigrations,
  subscription,
} from '@flotilla/kit/events';
import { createLogger } from '@flotilla/kit/telemetry';
import { Type } from '@sinclair/typebox';

const Ping = defineEvent({
  source: 'bench',
  type: 'bench.ping',
  schema: Type.Object({ n: Type.Integer(), padding: Type.String() }),
});
const logger = createLogger({ name: 'bench', level: 'silent' });
const PER_TRANSACTION = 100;
const WRITERS = 8;

export async function pipeline(
  databaseUrl: string,
  eventsUrl: string,
  count: number,
  tag: string,
): Promise<number> {
  const publisherDb = await openDatabase({ url: databaseUrl, schema: `bench_pub_${tag}`, pool: { max: 12 } });
  const consumerDb = await openDatabase({ url: databaseUrl, schema: `bench_sub_${tag}`, pool: { max: 20 } });
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
    const consuming = await openTransport({
      url: eventsUrl,
      db: consumerDb,
      directory: noSubscribers,
      namespace: `bench${tag}`,
    });
    let committed = 0;
    let finished: () => void = () => {};
    const allSeen = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const dispatcher = new EventDispatcher({ db: consumerDb, service: 'sink', logger });
    dispatcher.add(
      subscription(Ping, async (event, { tx }) => {
        await tx.query('INSERT INTO seen (n) VALUES ($1)', [(event.data as { n: number }).n]);
      }),
    );
    const stop = await consuming.consume(
      { service: 'sink', patterns: [{ from: 'bench', pattern: 'bench.ping' }], prefetch: 100 },
      async (delivery) => {
        await dispatcher.deliver(delivery);
        if (++committed === count) finished();
      },
    );
    const relay = new OutboxRelay({ db: publisherDb, transport: publisher, logger, pollIntervalMs: 50 });
    await relay.start();
    const started = performance.now();
    await write(publisherDb, count);
    await allSeen;
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();
    await stop();
    await publisher.close();
    await consuming.close();
    return count / seconds;
  } finally {
    await publisherDb.query(`DROP SCHEMA bench_pub_${tag} CASCADE`);
    await consumerDb.query(`DROP SCHEMA bench_sub_${tag} CASCADE`);
    await publisherDb.close();
    await consumerDb.close();
  }
}

/** Business writes as a busy service makes them: several requests' transactions at once. */
export async function write(db: Database, count: number): Promise<void> {
  const padding = 'x'.repeat(200);
  let next = 0;
  const writer = async () => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + PER_TRANSACTION);
      const end = next;
      await db.transaction(async (tx) => {
        for (let n = start; n < end; n++) {
          await tx.query('INSERT INTO pings (n) VALUES ($1)', [n]);
          await publishEvent(tx, Ping, { n, padding });
        }
      });
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
}

export { Ping };
