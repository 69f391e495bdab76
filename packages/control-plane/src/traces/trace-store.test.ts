import { describe, expect, it } from 'vitest';
import type { SpanRecord } from './span-record.js';
import { TraceStore } from './trace-store.js';

function span(
  traceId: string,
  spanId: string,
  startMs: number,
  options: { parent?: string; error?: boolean } = {},
) {
  const startNs = BigInt(startMs) * 1_000_000n;
  return {
    startNs,
    endNs: startNs + 5_000_000n,
    view: {
      traceId: traceId.padStart(32, '0'),
      spanId: spanId.padStart(16, '0'),
      parentSpanId: options.parent ? options.parent.padStart(16, '0') : null,
      serviceName: 'svc',
      name: 'work',
      kind: 'internal',
      startTime: new Date(startMs).toISOString(),
      startTimeUnixNano: startNs.toString(),
      durationMs: 5,
      status: { code: options.error ? 'error' : 'unset' },
      attributes: {},
      events: [],
      links: [],
      resource: {},
      scope: { name: 'test' },
    },
  } satisfies SpanRecord;
}

describe('TraceStore', () => {
  it('merges spans of one trace sent in several exports and ignores re-sent copies', () => {
    const store = new TraceStore();
    store.add([span('1', 'a', 1000)]);
    store.add([span('1', 'b', 1001, { parent: 'a', error: true }), span('1', 'a', 1000)]);
    expect(store.size).toEqual({ traces: 1, spans: 2 });
    const [summary] = store.query();
    expect(summary).toMatchObject({ spanCount: 2, status: 'error', durationMs: 6, root: { name: 'work' } });
  });

  it('evicts the least recently updated traces beyond its trace limit', () => {
    const store = new TraceStore({ maxTraces: 2 });
    store.add([span('1', 'a', 1000)]);
    store.add([span('2', 'a', 2000)]);
    store.add([span('1', 'b', 1001)]);
    store.add([span('3', 'a', 3000)]);
    expect(store.get('2'.padStart(32, '0'))).toBeUndefined();
    expect(store.query().map((trace) => trace.traceId.slice(-1))).toEqual(['3', '1']);
  });

  it('keeps the total span count under its span limit', () => {
    const store = new TraceStore({ maxSpans: 3 });
    store.add([span('1', 'a', 1000), span('1', 'b', 1001)]);
    store.add([span('2', 'a', 2000), span('2', 'b', 2001)]);
    expect(store.size).toEqual({ traces: 1, spans: 2 });
    store.add(['a', 'b', 'c', 'd', 'e'].map((id, index) => span('3', id, 3000 + index)));
    expect(store.size).toEqual({ traces: 1, spans: 3 });
    expect(store.get('3'.padStart(32, '0'))?.map((s) => s.spanId.slice(-1))).toEqual(['c', 'd', 'e']);
  });
});
