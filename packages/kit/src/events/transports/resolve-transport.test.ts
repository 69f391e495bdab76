import { describe, expect, it } from 'vitest';
import type { Database } from '../../db/index.js';
import { noSubscribers } from '../subscriber-directory.js';
import { MemoryTransport } from './memory-transport.js';
import { describeTransport, openTransport, registerTransport } from './resolve-transport.js';

const context = { db: {} as Database, directory: noSubscribers };

describe('transport resolver', () => {
  it('describes each built-in engine by its scheme, without credentials and without connecting', () => {
    expect(describeTransport(undefined)).toEqual({ kind: 'embedded', label: 'embedded (outbox → HTTP)' });
    expect(describeTransport('amqps://user:secret@rabbit.internal:5671/vhost')).toEqual({
      kind: 'amqp',
      label: 'RabbitMQ',
      endpoint: 'rabbit.internal:5671',
    });
    expect(describeTransport('nats://127.0.0.1:4222')).toMatchObject({
      kind: 'nats',
      label: 'NATS JetStream',
    });
    expect(describeTransport('kafka://a:9092,b:9092?partitions=6')).toEqual({
      kind: 'kafka',
      label: 'Apache Kafka',
      endpoint: 'a:9092,b:9092',
    });
  });

  it('refuses a scheme nobody registered, naming the ones it knows', async () => {
    await expect(openTransport({ ...context, url: 'redis://localhost' })).rejects.toThrow(
      /Unsupported EVENTS_URL scheme "redis:": use amqp:\/\/, amqps:\/\/, nats:\/\/, kafka:\/\//,
    );
    expect(() => describeTransport('nonsense')).toThrow(/"nonsense"/);
  });

  it('opens a registered engine with the context it is given', async () => {
    const opened: unknown[] = [];
    registerTransport(['mem', 'mem-test:'], {
      kind: 'memory',
      label: 'in memory',
      async open(url, given) {
        opened.push({ url, namespace: given.namespace });
        return new MemoryTransport();
      },
    });
    const transport = await openTransport({ ...context, url: 'mem-test://x', namespace: 'ns' });
    expect(transport.kind).toBe('memory');
    expect(opened).toEqual([{ url: 'mem-test://x', namespace: 'ns' }]);
    expect(describeTransport('mem://host:1')).toEqual({
      kind: 'memory',
      label: 'in memory',
      endpoint: 'host:1',
    });
  });
});
