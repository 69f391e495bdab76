import { context, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SamplingDecision, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { BudgetSampler } from './budget-sampler.js';
import { SpanStatusCode, startTelemetry } from './index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function decide(sampler: BudgetSampler, parentFlags?: TraceFlags, kind = SpanKind.SERVER) {
  const parent =
    parentFlags === undefined
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
          traceId: TRACE,
          spanId: '00f067aa0ba902b7',
          traceFlags: parentFlags,
        });
  return sampler.shouldSample(parent, TRACE, 'span', kind, {}, []).decision;
}

describe('budget sampler', () => {
  it('samples up to its budget of new traces per second and records the rest for their failures', () => {
    let now = 0;
    const sampler = new BudgetSampler({ tracesPerSecond: 3, now: () => now });
    const first = Array.from({ length: 5 }, () => decide(sampler));
    expect(first).toEqual([
      ...Array(3).fill(SamplingDecision.RECORD_AND_SAMPLED),
      ...Array(2).fill(SamplingDecision.RECORD),
    ]);
    now += 500; // half a second refills half the budget
    expect([decide(sampler), decide(sampler)]).toEqual([
      SamplingDecision.RECORD_AND_SAMPLED,
      SamplingDecision.RECORD,
    ]);
    now += 60_000; // an idle minute refills no more than one second's worth
    expect(
      Array.from({ length: 4 }, () => decide(sampler)).filter(
        (d) => d === SamplingDecision.RECORD_AND_SAMPLED,
      ),
    ).toHaveLength(3);
  });

  it("follows the parent's decision without spending the budget", () => {
    const sampler = new BudgetSampler({ tracesPerSecond: 1, now: () => 0 });
    expect(decide(sampler, TraceFlags.SAMPLED)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(sampler, TraceFlags.SAMPLED, SpanKind.CLIENT)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(sampler, TraceFlags.NONE)).toBe(SamplingDecision.RECORD);
    expect(decide(sampler)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('records only the entry spans (server, consumer) of a trace it does not sample', () => {
    const sampler = new BudgetSampler({ tracesPerSecond: 0, now: () => 0 });
    const decisions = [
      SpanKind.SERVER,
      SpanKind.CONSUMER,
      SpanKind.CLIENT,
      SpanKind.INTERNAL,
      SpanKind.PRODUCER,
    ].map((kind) => [decide(sampler, undefined, kind), decide(sampler, TraceFlags.NONE, kind)]);
    const { RECORD, NOT_RECORD } = SamplingDecision;
    expect(decisions).toEqual([
      [RECORD, RECORD],
      [RECORD, RECORD],
      [NOT_RECORD, NOT_RECORD],
      [NOT_RECORD, NOT_RECORD],
      [NOT_RECORD, NOT_RECORD],
    ]);
    const proxy = new BudgetSampler({ tracesPerSecond: 0, entrySpans: false, now: () => 0 });
    expect(decide(proxy)).toBe(NOT_RECORD);
    expect(decide(proxy, TraceFlags.SAMPLED)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });
});

describe('budget sampling in a process', () => {
  it('exports sampled traces whole, and of the others only the entry spans that failed or were slow', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = startTelemetry({
      enabled: true,
      serviceName: 'unit',
      serviceVersion: '0.0.1',
      sampler: { name: 'budget', tracesPerSecond: 1, slowSpanMs: 50 },
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const { tracer } = telemetry;
    const request = (name: string, fail: { root?: boolean; child?: boolean } = {}) => {
      const root = tracer.startSpan(name, { kind: SpanKind.SERVER });
      context.with(trace.setSpan(context.active(), root), () => {
        const child = tracer.startSpan(`${name} query`, { kind: SpanKind.CLIENT });
        if (fail.child) child.setStatus({ code: SpanStatusCode.ERROR });
        child.end();
      });
      if (fail.root) root.setStatus({ code: SpanStatusCode.ERROR });
      root.end();
    };
    request('sampled');
    request('unsampled');
    request('failed', { root: true, child: true });
    const slow = tracer.startSpan('slow', { kind: SpanKind.SERVER, startTime: [0, 0] });
    slow.end([0, 60_000_000]);
    const quick = tracer.startSpan('quick', { kind: SpanKind.SERVER, startTime: [0, 0] });
    quick.end([0, 40_000_000]);
    const exported = exporter.getFinishedSpans().map((span) => span.name);
    expect(exported.sort()).toEqual(['failed', 'sampled', 'sampled query', 'slow']);
    await telemetry.shutdown();
  });
});
