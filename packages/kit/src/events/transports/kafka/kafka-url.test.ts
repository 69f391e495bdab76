import { describe, expect, it } from 'vitest';
import { parseKafkaUrl } from './kafka-url.js';

describe('parseKafkaUrl', () => {
  it('reads one broker with the default topic settings', () => {
    expect(parseKafkaUrl('kafka://127.0.0.1:9092')).toEqual({
      brokers: ['127.0.0.1:9092'],
      topics: { partitions: 3, retentionMs: 604_800_000 },
    });
  });

  it('reads several brokers and the topic settings under their Kafka names', () => {
    expect(
      parseKafkaUrl(
        'kafka://k1.internal:9092,k2.internal:9093,[::1]:9094/?partitions=12&replication.factor=3&min.insync.replicas=2&retention.ms=-1',
      ),
    ).toEqual({
      brokers: ['k1.internal:9092', 'k2.internal:9093', '[::1]:9094'],
      topics: { partitions: 12, replicationFactor: 3, minInsyncReplicas: 2, retentionMs: -1 },
    });
  });

  it.each([
    ['kafka://', /at least one host:port/],
    ['kafka://broker', /host:port/],
    ['kafka://broker:99999', /port from 1 to 65535/],
    ['kafka://a:9092,,b:9092', /at least one host:port/],
    ['kafka://broker:9092/events', /kafka:\/\/host:port/],
    ['amqp://broker:5672', /kafka:\/\/host:port/],
    ['kafka://broker:9092?partitions=0', /partitions must be an integer of at least 1/],
    ['kafka://broker:9092?partitions=two', /partitions must be an integer/],
    ['kafka://broker:9092?replicas=3', /unknown kafka:\/\/ setting replicas/],
    ['kafka://broker:9092?replication.factor=1&min.insync.replicas=2', /must not exceed/],
  ])('rejects %s', (url, message) => {
    expect(() => parseKafkaUrl(url)).toThrow(message);
  });

  it('rejects credentials without repeating them', () => {
    let message = '';
    try {
      parseKafkaUrl('kafka://app:s3cret@broker:9092');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/no credentials/);
    expect(message).not.toContain('s3cret');
  });
});
