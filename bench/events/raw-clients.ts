/** The baselines: the bare clients' persistent publish-with-confirm → manual-ack throughput. */
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import amqp from 'amqplib';

const WINDOW = 1_000;

export async function rawAmqp(url: string, count: number, tag: string): Promise<number> {
  const connection = await amqp.connect(url);
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  const queue = `bench.raw.${tag}`;
  await consumer.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await consumer.prefetch(100);
  const body = Buffer.from(JSON.stringify({ n: 0, padding: 'x'.repeat(200) }));
  const started = performance.now();
  let received = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.consume(queue, (message) => {
      if (!message) return;
      consumer.ack(message);
      if (++received === count) resolve();
    });
  });
  for (let sent = 0; sent < count; sent += WINDOW) {
    const batch = Math.min(WINDOW, count - sent);
    for (let i = 0; i < batch; i++) publisher.sendToQueue(queue, body, { persistent: true });
    await publisher.waitForConfirms();
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await consumer.deleteQueue(queue);
  await connection.close();
  return count / seconds;
}

export async function rawNats(url: string, count: number, tag: string): Promise<number> {
  const connection = await connect({ servers: url.replace('nats://', '') });
  const jsm = await jetstreamManager(connection);
  const js = jetstream(connection);
  const stream = `bench_raw_${tag}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  await jsm.consumers.add(stream, {
    durable_name: 'raw',
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: 100,
  });
  const body = JSON.stringify({ n: 0, padding: 'x'.repeat(200) });
  const started = performance.now();
  const messages = await (await js.consumers.get(stream, 'raw')).consume({ max_messages: 100 });
  const done = (async () => {
    let received = 0;
    for await (const message of messages) {
      message.ack();
      if (++received === count) break;
    }
  })();
  for (let sent = 0; sent < count; sent += WINDOW) {
    const batch = Math.min(WINDOW, count - sent);
    await Promise.all(Array.from({ length: batch }, () => js.publish(`${stream}.x`, body)));
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await jsm.streams.delete(stream);
  await connection.close();
  return count / seconds;
}
