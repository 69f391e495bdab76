import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/index.js';
import { baseConfigSchema } from './base-config.js';

const load = (EVENTS_URL: string) => loadConfig(baseConfigSchema, { EVENTS_URL }, { subject: 'orders' });

describe('EVENTS_URL', () => {
  it('takes a kafka:// URL with several brokers and topic settings', () => {
    expect(load('kafka://k1:9092,k2:9092?partitions=6').values.EVENTS_URL).toBe(
      'kafka://k1:9092,k2:9092?partitions=6',
    );
  });

  it.each([
    ['kafka://', 'kafka:// needs at least one host:port'],
    ['kafka://broker', 'each Kafka broker must be host:port'],
    ['kafka://broker:9092?partition=3', 'unknown kafka:// setting partition'],
    ['kafka://app:s3cret@broker:9092', 'kafka:// takes no credentials'],
    ['pulsar://broker:6650', 'must be a URL (amqp://, amqps://, nats://, kafka://)'],
  ])('refuses %s at start-up, saying why', (url, reason) => {
    let error: unknown;
    try {
      load(url);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('EVENTS_URL: must be a URL');
    expect((error as Error).message).toContain(reason);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
