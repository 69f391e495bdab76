/** The baselines: the bare clients' persistent publish-with-confirm → manual-ack throughput. */
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  Admin,
  Consumer,
  type Message,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
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

/**
 * @platformatic/kafka as the transport uses it, minus Flotilla: an idempotent producer with
 * acks=all sending windows of records keyed over 16 keys into a 3-partition topic, and a consumer
 * group committing by hand, each partition's latest offset once per 100 records received (the
 * prefetch the other baselines ack within).
 */
export async function rawKafka(brokers: readonly string[], count: number, tag: string): Promise<number> {
  const bootstrapBrokers = [...brokers];
  const topic = `bench.raw.${tag}`;
  const admin = new Admin({ clientId: 'bench-raw-admin', bootstrapBrokers });
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  const producer = new Producer({
    clientId: 'bench-raw-producer',
    bootstrapBrokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
  });
  const consumer = new Consumer({
    groupId: topic,
    clientId: 'bench-raw-consumer',
    bootstrapBrokers,
    deserializers: stringDeserializers,
    highWaterMark: 100,
  });
  const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: 'earliest' });
  const body = JSON.stringify({ n: 0, padding: 'x'.repeat(200) });
  const started = performance.now();
  const done = (async () => {
    let received = 0;
    const latest = new Map<number, Message<string, string, string, string>>();
    for await (const message of stream as AsyncIterable<Message<string, string, string, string>>) {
      latest.set(message.partition, message);
      if (++received % 100 === 0 || received === count) {
        await Promise.all([...latest.values()].map((entry) => entry.commit()));
        latest.clear();
      }
      if (received === count) break;
    }
  })();
  for (let sent = 0; sent < count; sent += WINDOW) {
    const batch = Math.min(WINDOW, count - sent);
    await producer.send({
      messages: Array.from({ length: batch }, (_, i) => ({ topic, key: `k${(sent + i) % 16}`, value: body })),
    });
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await consumer.close(true);
  await producer.close();
  await admin.deleteGroups({ groups: [topic] });
  await admin.deleteTopics({ topics: [topic] });
  await admin.close();
  return count / seconds;
}
