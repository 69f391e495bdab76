import { describe, expect, it } from 'vitest';
import type { LogLevel, NewLog } from './log-record.js';
import { LogStore } from './log-store.js';

const TRACE = 'a'.repeat(32);

function line(
  service: string,
  message: string,
  options: { level?: LogLevel; traceId?: string } = {},
): NewLog {
  return {
    time: new Date(0).toISOString(),
    service,
    instance: null,
    level: options.level ?? 'info',
    message,
    traceId: options.traceId ?? null,
    spanId: null,
    attributes: { route: '/orders' },
  };
}

describe('LogStore', () => {
  it('keeps a ring per service, so a chatty service does not push out a quiet one', () => {
    const store = new LogStore({ maxPerService: 3, maxTotal: 100 });
    store.add([line('users', 'u1')]);
    store.add(Array.from({ length: 10 }, (_, n) => line('orders', `o${n}`)));
    expect(store.query({ service: 'orders' }).map((entry) => entry.message)).toEqual(['o7', 'o8', 'o9']);
    expect(store.query({ service: 'users' }).map((entry) => entry.message)).toEqual(['u1']);
    expect(store.size).toBe(4);
  });

  it('caps the total by taking from the service that holds the most', () => {
    const store = new LogStore({ maxPerService: 100, maxTotal: 5 });
    store.add([line('users', 'u1'), line('users', 'u2')]);
    store.add(Array.from({ length: 6 }, (_, n) => line('orders', `o${n}`)));
    expect(store.size).toBe(5);
    expect(store.query({ service: 'users' })).toHaveLength(2);
    expect(store.query({ service: 'orders' }).map((entry) => entry.message)).toEqual(['o3', 'o4', 'o5']);
  });

  it('filters by service, minimum level, text in message or fields, trace id, and what came after', () => {
    const store = new LogStore();
    store.add([
      line('gateway', 'request completed', { traceId: TRACE }),
      line('orders', 'order placed', { traceId: TRACE, level: 'warn' }),
      line('orders', 'unrelated', { level: 'debug' }),
      line('users', 'user read', { traceId: TRACE, level: 'error' }),
    ]);
    expect(store.query({ traceId: TRACE }).map((entry) => entry.service)).toEqual([
      'gateway',
      'orders',
      'users',
    ]);
    expect(store.query({ level: 'warn' }).map((entry) => entry.message)).toEqual([
      'order placed',
      'user read',
    ]);
    expect(store.query({ text: 'PLACED' }).map((entry) => entry.message)).toEqual(['order placed']);
    expect(store.query({ text: '/orders', service: 'orders' })).toHaveLength(2);
    const [first] = store.query({ limit: 1 });
    expect(first?.message).toBe('user read');
    expect(store.query({ after: 2 }).map((entry) => entry.seq)).toEqual([3, 4]);
    expect(store.services()).toEqual(['gateway', 'orders', 'users']);
  });

  it('continues numbering after restored lines', () => {
    const store = new LogStore();
    store.add([line('users', 'a'), line('users', 'b')]);
    const again = new LogStore();
    again.restore(store.all());
    again.add([line('users', 'c')]);
    expect(again.query().map((entry) => [entry.seq, entry.message])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });
});
