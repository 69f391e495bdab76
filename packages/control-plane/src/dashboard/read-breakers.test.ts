import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './parse-prometheus-text.js';
import { readBreakerMetrics } from './read-breaker-metrics.js';
import { readBreakersJson } from './read-breakers-json.js';
import { readEventStats, readOutboxJson } from './read-event-stats.js';

describe('breaker readers', () => {
  it('reads the JSON endpoint in its usual shapes', () => {
    const expected = [{ target: 'users', state: 'open' }];
    expect(readBreakersJson([{ target: 'users', state: 'open' }])).toEqual(expected);
    expect(readBreakersJson({ breakers: [{ name: 'users', state: 'OPEN' }] })).toEqual(expected);
    expect(readBreakersJson({ breakers: { users: { state: 'open' } } })).toEqual(expected);
    expect(readBreakersJson({ users: 'open' })).toEqual(expected);
    expect(readBreakersJson({ users: { state: 'HALF_OPEN' } })).toEqual([
      { target: 'users', state: 'half-open' },
    ]);
    expect(readBreakersJson({ users: { state: 'weird' } })).toEqual([]);
    expect(readBreakersJson('nonsense')).toEqual([]);
  });

  it('reads state gauges, ignoring the exporting service label', () => {
    const perState = parsePrometheusText(
      [
        'client_breaker_state{service="orders",target="users",state="closed"} 0',
        'client_breaker_state{service="orders",target="users",state="open"} 1',
        'client_breaker_state{service="orders",target="stock",state="closed"} 1',
      ].join('\n'),
    );
    expect(readBreakerMetrics(perState, 'orders')).toEqual([
      { target: 'users', state: 'open' },
      { target: 'stock', state: 'closed' },
    ]);
    // cockatiel's CircuitState number, target named by `service` when it is not the exporter.
    const numeric = parsePrometheusText('circuit_breaker_state{service="users"} 2\nother{service="users"} 1');
    expect(readBreakerMetrics(numeric, 'orders')).toEqual([{ target: 'users', state: 'half-open' }]);
    expect(readBreakerMetrics(numeric, 'users')).toEqual([]);
  });
});

describe('readEventStats', () => {
  it('reads outbox, lag and dead-letter levels and ignores counters', () => {
    const samples = parsePrometheusText(
      [
        'flotilla_outbox_pending{service="orders"} 7',
        'flotilla_outbox_oldest_age_seconds{service="orders"} 12.5',
        'flotilla_consumer_lag{subscription="a"} 3',
        'flotilla_consumer_lag{subscription="b"} 4',
        'flotilla_dead_letters{service="orders"} 2',
        'flotilla_dead_letters_total{service="orders"} 99',
      ].join('\n'),
    );
    expect(readEventStats(samples)).toEqual({
      outboxPending: 7,
      outboxOldestSeconds: 12.5,
      consumerLag: 7,
      deadLetters: 2,
    });
    expect(readEventStats(parsePrometheusText('process_cpu_seconds_total 1'))).toEqual({});
  });

  it("reads the outbox endpoint's JSON", () => {
    expect(readOutboxJson({ pending: 3, oldestAgeSeconds: 1.5 })).toEqual({
      outboxPending: 3,
      outboxOldestSeconds: 1.5,
    });
    expect(readOutboxJson({ pending: 'many' })).toEqual({});
    expect(readOutboxJson(null)).toEqual({});
  });
});
