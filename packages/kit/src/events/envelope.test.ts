import { describe, expect, it } from 'vitest';
import { isValidTraceparent, parseCloudEvent } from './cloud-event.js';
import { defineEvent } from './event-definition.js';
import { assertTypePattern, matchesType } from './type-pattern.js';

const event = {
  specversion: '1.0',
  id: '0190a0a0-0000-7000-8000-000000000001',
  source: '/orders',
  type: 'order.placed',
  subject: 'o-1',
  time: '2026-01-01T00:00:00.000Z',
  datacontenttype: 'application/json',
  data: { total: 3 },
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

describe('parseCloudEvent', () => {
  it('accepts a structured CloudEvent from an object, a string or a buffer', () => {
    expect(parseCloudEvent(event)).toEqual({ event });
    expect(parseCloudEvent(JSON.stringify(event))).toEqual({ event });
    expect(parseCloudEvent(Buffer.from(JSON.stringify(event)))).toEqual({ event });
  });

  it('names what is wrong and never throws', () => {
    expect(parseCloudEvent('{')).toEqual({ error: 'not JSON' });
    expect(parseCloudEvent([])).toEqual({ error: 'not a JSON object' });
    expect(parseCloudEvent({ ...event, specversion: '0.3' })).toEqual({ error: 'specversion must be "1.0"' });
    expect(parseCloudEvent({ ...event, id: '' })).toEqual({ error: 'id must be a non-empty string' });
    expect(parseCloudEvent({ ...event, datacontenttype: 'text/xml' })).toEqual({
      error: 'datacontenttype must be application/json',
    });
    const { data: _data, ...withoutData } = event;
    expect(parseCloudEvent(withoutData)).toEqual({ error: 'data is missing' });
  });

  it('drops a malformed or all-zero traceparent instead of rejecting the event', () => {
    const zero = { ...event, traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' };
    const { traceparent: _dropped, ...rest } = zero;
    expect(parseCloudEvent(zero)).toEqual({ event: rest });
    expect(isValidTraceparent(event.traceparent)).toBe(true);
    expect(isValidTraceparent('garbage')).toBe(false);
  });
});

describe('matchesType', () => {
  it('matches * to one segment and a final > to the rest', () => {
    expect(matchesType('order.placed', 'order.placed')).toBe(true);
    expect(matchesType('order.*', 'order.placed')).toBe(true);
    expect(matchesType('order.*', 'order.placed.late')).toBe(false);
    expect(matchesType('order.>', 'order.placed.late')).toBe(true);
    expect(matchesType('order.>', 'order')).toBe(false);
    expect(matchesType('user.*', 'order.placed')).toBe(false);
  });

  it('rejects malformed patterns and types', () => {
    expect(() => assertTypePattern('order.>.x')).toThrow(/final >/);
    expect(() => assertTypePattern('Order.Placed')).toThrow();
    expect(() => defineEvent({ source: 's', type: 'placed', schema: {} as never })).toThrow(/dotted/);
  });
});
