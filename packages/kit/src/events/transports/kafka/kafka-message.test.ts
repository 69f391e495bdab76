import { describe, expect, it } from 'vitest';
import { type CloudEvent, parseCloudEvent } from '../../cloud-event.js';
import { fromKafkaMessage, toKafkaMessage } from './kafka-message.js';

const event: CloudEvent = {
  specversion: '1.0',
  id: '01J9Z8D7K3',
  source: '/orders',
  type: 'order.placed',
  subject: 'order-42',
  time: '2026-12-04T22:00:00.000Z',
  datacontenttype: 'application/json',
  data: { orderId: 'order-42', total: 12.5, items: [{ sku: 'A', quantity: 2 }] },
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

describe('CloudEvents Kafka binding, binary mode', () => {
  it('puts the attributes in ce_ headers, the content type in content-type and the data alone in the value', () => {
    expect(toKafkaMessage(event)).toEqual({
      key: 'order-42',
      value: JSON.stringify(event.data),
      headers: {
        'content-type': 'application/json',
        ce_specversion: '1.0',
        ce_id: '01J9Z8D7K3',
        ce_source: '/orders',
        ce_type: 'order.placed',
        ce_subject: 'order-42',
        ce_time: '2026-12-04T22:00:00.000Z',
        ce_traceparent: event.traceparent,
        traceparent: event.traceparent,
      },
    });
  });

  it('leaves out the attributes an event does not have; no subject, no key', () => {
    const { subject: _, traceparent: __, ...keyless } = event;
    const message = toKafkaMessage(keyless);
    expect(message.key).toBeUndefined();
    expect(Object.keys(message.headers).sort()).toEqual([
      'ce_id',
      'ce_source',
      'ce_specversion',
      'ce_time',
      'ce_type',
      'content-type',
    ]);
  });

  it('rebuilds the structured event the dispatcher parses, equal to the one published', () => {
    const { headers, value } = toKafkaMessage(event);
    const body = fromKafkaMessage(new Map(Object.entries(headers)), value);
    expect(parseCloudEvent(body)).toEqual({ event });
  });

  it('reads records other producers wrote: a charset on the JSON type, a trace only in traceparent', () => {
    const headers = new Map([
      ['ce_specversion', '1.0'],
      ['ce_id', 'e1'],
      ['ce_source', '/billing'],
      ['ce_type', 'invoice.paid'],
      ['ce_time', '2026-12-04T22:00:00Z'],
      ['content-type', 'application/json; charset=utf-8'],
      ['traceparent', event.traceparent!],
    ]);
    expect(JSON.parse(fromKafkaMessage(headers, '{"amount":3}'))).toEqual({
      specversion: '1.0',
      id: 'e1',
      source: '/billing',
      type: 'invoice.paid',
      time: '2026-12-04T22:00:00Z',
      datacontenttype: 'application/json',
      traceparent: event.traceparent,
      data: { amount: 3 },
    });
  });

  it('keeps data that is not the JSON it claims to be, so the dispatcher dead-letters it with its id', () => {
    const { headers } = toKafkaMessage(event);
    const body = fromKafkaMessage(new Map(Object.entries(headers)), 'not json');
    expect(JSON.parse(body)).toMatchObject({
      id: '01J9Z8D7K3',
      data_base64: Buffer.from('not json').toString('base64'),
    });
    expect(parseCloudEvent(body)).toEqual({ error: 'data is missing' });
  });

  it('hands on a structured-mode record, or one that is no CloudEvent, as it is', () => {
    const structured = JSON.stringify(event);
    expect(fromKafkaMessage(new Map([['content-type', 'application/cloudevents+json']]), structured)).toBe(
      structured,
    );
    expect(fromKafkaMessage(new Map(), 'garbage')).toBe('garbage');
    expect(fromKafkaMessage(new Map(), undefined)).toBe('');
  });
});
