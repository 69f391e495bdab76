import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, expect, it } from 'vitest';

// The broker `.ci/ensure-engines.sh` starts: one record produced with acks=all and read back by a
// consumer group that commits its offset by hand.
const brokers = (process.env.FLOTILLA_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092')
  .replace(/^kafka:\/\//, '')
  .split(',');
const topic = `flotilla-smoke-${randomUUID()}`;
const admin = new Admin({ clientId: 'flotilla-smoke-admin', bootstrapBrokers: brokers });

beforeAll(async () => {
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] });
  await admin.close();
});

it('produces one record and consumes it with a manual offset commit', async () => {
  const producer = new Producer({
    clientId: 'flotilla-smoke-producer',
    bootstrapBrokers: brokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
  });
  const sent = await producer.send({ messages: [{ topic, key: 'k1', value: 'hello kafka' }] });
  await producer.close();
  expect(sent.offsets?.[0]?.offset).toBe(0n);

  const consumer = new Consumer({
    groupId: `${topic}-group`,
    clientId: 'flotilla-smoke-consumer',
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: 'earliest' });
    const [message] = await stream.take(1).toArray();
    expect(message).toMatchObject({ key: 'k1', value: 'hello kafka', offset: 0n });
    await message?.commit();
    await stream.close();
    const committed = await consumer.listCommittedOffsets({ topics: [{ topic, partitions: [0] }] });
    expect(committed.get(topic)?.[0]).toBe(1n);
  } finally {
    await consumer.close(true);
  }
});
