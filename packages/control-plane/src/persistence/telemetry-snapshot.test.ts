import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@flotilla/kit/telemetry';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { LogStore } from '../logs/index.js';
import { SnapshotWriter } from '../registry/snapshot-file.js';
import type { SpanRecord } from '../traces/span-record.js';
import { TraceStore } from '../traces/trace-store.js';
import { persistTelemetry } from './telemetry-snapshot.js';

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-telemetry-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const logger = createLogger({ name: 'test', level: 'silent' });

function span(trace: number, spanNumber: number): SpanRecord {
  const startNs = 1_700_000_000_000_000_000n + BigInt(trace * 1000 + spanNumber) * 1_000_000n;
  return {
    startNs,
    endNs: startNs + 2_500_001n,
    view: {
      traceId: trace.toString(16).padStart(32, '0'),
      spanId: (spanNumber + 1).toString(16).padStart(16, '0'),
      parentSpanId: null,
      serviceName: 'orders',
      name: 'POST /orders',
      kind: 'server',
      startTime: new Date(Number(startNs / 1_000_000n)).toISOString(),
      startTimeUnixNano: startNs.toString(),
      durationMs: 2.500001,
      status: { code: 'unset' },
      attributes: { 'http.route': '/orders' },
      events: [],
      links: [],
      resource: { 'service.name': 'orders' },
      scope: { name: 'test' },
    },
  };
}

function logLine(n: number) {
  return {
    time: new Date(n).toISOString(),
    service: n % 2 ? 'users' : 'orders',
    instance: null,
    level: 'info' as const,
    message: `line ${n}`,
    traceId: null,
    spanId: null,
    attributes: {},
  };
}

describe('persistTelemetry', () => {
  it('restores traces and log lines saved on stop, exactly', async () => {
    const path = join(scratch, 'round-trip.json');
    const traces = new TraceStore();
    const logs = new LogStore();
    const first = await persistTelemetry({ path, traces, logs, logger });
    traces.add([span(1, 0), span(1, 1), span(2, 0)]);
    logs.add([logLine(1), logLine(2), logLine(3)]);
    await first.stop();

    const restoredTraces = new TraceStore();
    const restoredLogs = new LogStore();
    const second = await persistTelemetry({ path, traces: restoredTraces, logs: restoredLogs, logger });
    expect(restoredTraces.get(span(1, 0).view.traceId)).toEqual(traces.get(span(1, 0).view.traceId));
    expect(restoredTraces.query()).toEqual(traces.query());
    expect(restoredLogs.query()).toEqual(logs.query());
    restoredLogs.add([logLine(4)]);
    expect(restoredLogs.lastSeq).toBe(4);
    await second.stop();
  });

  it('saves whole traces, newest first, up to the span bound, so the file stays bounded', async () => {
    const path = join(scratch, 'bounded.json');
    const traces = new TraceStore();
    const logs = new LogStore({ maxPerService: 50 });
    const persistence = await persistTelemetry({ path, traces, logs, logger, maxSpans: 100 });
    for (let trace = 1; trace <= 200; trace++) traces.add([span(trace, 0), span(trace, 1), span(trace, 2)]);
    logs.add(Array.from({ length: 1000 }, (_, n) => logLine(n)));
    await persistence.stop();
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { spans: SpanRecord[]; logs: unknown[] };
    expect(saved.spans).toHaveLength(99);
    expect(saved.logs).toHaveLength(100);
    expect(statSync(path).size).toBeLessThan(200_000);
    const restored = new TraceStore();
    await (await persistTelemetry({ path, traces: restored, logs: new LogStore(), logger })).stop();
    expect(restored.size).toEqual({ traces: 33, spans: 99 });
    expect(restored.get(span(200, 0).view.traceId)).toHaveLength(3);
    expect(restored.get(span(167, 0).view.traceId)).toBeUndefined();
  });

  it('writes periodically only when something changed', async () => {
    // Only the interval is faked: the writes stay real file-system calls.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    // A write is requested inside the tick itself, so counting requests shows what a tick did even
    // though the file lands later.
    const requests = vi.spyOn(SnapshotWriter.prototype, 'request');
    try {
      const path = join(scratch, 'periodic.json');
      const traces = new TraceStore();
      const persistence = await persistTelemetry({
        path,
        traces,
        logs: new LogStore(),
        logger,
        intervalMs: 20,
      });
      await vi.advanceTimersByTimeAsync(3 * 20);
      expect(requests).not.toHaveBeenCalled();
      expect(readdirSync(scratch)).not.toContain('periodic.json');
      traces.add([span(7, 0)]);
      await vi.advanceTimersByTimeAsync(20);
      expect(requests).toHaveBeenCalledOnce();
      await expect.poll(() => readdirSync(scratch).includes('periodic.json')).toBe(true);
      await vi.advanceTimersByTimeAsync(3 * 20);
      await persistence.stop();
      expect(requests).toHaveBeenCalledOnce();
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { spans: SpanRecord[] };
      expect(saved.spans).toHaveLength(1);
    } finally {
      requests.mockRestore();
      vi.useRealTimers();
    }
  });

  it('sets a malformed snapshot aside and starts empty', async () => {
    const path = join(scratch, 'malformed.json');
    writeFileSync(path, '{"version":1,"spans":"no"}');
    const traces = new TraceStore();
    await (await persistTelemetry({ path, traces, logs: new LogStore(), logger })).stop();
    expect(traces.size).toEqual({ traces: 0, spans: 0 });
    expect(readdirSync(scratch).some((file) => file.startsWith('malformed.json.corrupt-'))).toBe(true);
  });
});
