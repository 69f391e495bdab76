import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kafkaConsumerLag } from './kafka-consumer-lag.js';

// Against the broker `.ci/ensure-engines.sh` starts: N records over two partitions, k of them read
// and committed by a group; the control plane's reader must see the other N − k as its lag.
const brokers = (process.env.FLOTILLA_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092')
  .replace(/^kafka:\/\//, '')
  .split(',');
const prefix = `lag${randomUUID().slice(0, 8)}.`;
const topic = `${prefix}orders`;
const group = `${prefix}notifications`;
const N = 50;
const k = 20;
const admin = new Admin({ clientId: 'flotilla-lag-test', bootstrapBrokers: brokers });

beforeAll(async () => {
  await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
});

afterAll(async () => {
  await admin.deleteGroups({ groups: [group] }).catch(() => {});
  await admin.deleteTopics({ topics: [topic] });
  await admin.close();
});

it(`reports a lag of N − k for a group that committed k of N records`, async () => {
  const producer = new Producer({
    clientId: 'flotilla-lag-producer',
    bootstrapBrokers: brokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
  });
  await producer.send({
    messages: Array.from({ length: N }, (_, n) => ({ topic, key: `k${n % 7}`, value: String(n) })),
  });
  await producer.close();

  const consumer = new Consumer({
    groupId: group,
    clientId: 'flotilla-lag-consumer',
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
  });
  const reader = kafkaConsumerLag({ brokers, groupPrefix: prefix });
  try {
    const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: 'earliest' });
    // One at a time, so each partition's committed offset only moves forward.
    for (const message of await stream.take(k).toArray()) await message.commit();
    await stream.close();

    const [lag] = await reader.read();
    expect(lag).toMatchObject({ group, lag: N - k });
    expect(lag?.partitions).toHaveLength(2);
    expect(lag?.partitions.reduce((sum, partition) => sum + partition.end, 0)).toBe(N);
  } finally {
    await consumer.close(true);
    await reader.close();
  }
});
