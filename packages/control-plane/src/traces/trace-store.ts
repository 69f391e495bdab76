import type { SpanRecord, SpanView } from './span-record.js';

/** The bounds of a trace store. */
export interface TraceStoreOptions {
  /** Traces kept; the least recently updated is evicted first. */
  readonly maxTraces?: number;
  /** Spans kept over all traces. */
  readonly maxSpans?: number;
}

/** Which traces `GET /traces` lists; every given condition must hold. */
export interface TraceQuery {
  /** A span of this service is in the trace. */
  readonly service?: string;
  /** A span with this `http.route` is in the trace. */
  readonly route?: string;
  /** `error`: some span failed; `ok`: none did. */
  readonly status?: 'ok' | 'error';
  /** The trace lasted at least this long. */
  readonly minDurationMs?: number;
  /** At most this many, newest first. */
  readonly limit?: number;
}

/** One trace in a list of them. */
export interface TraceSummary {
  /** The W3C trace id, 32 hex digits. */
  readonly traceId: string;
  /** The earliest span without a parent in the store, when one has arrived. */
  readonly root: { readonly serviceName: string; readonly name: string } | null;
  /** The services with a span in it. */
  readonly services: readonly string[];
  /** How many of its spans have arrived. */
  readonly spanCount: number;
  /** Its earliest span's start, ISO 8601. */
  readonly startTime: string;
  /** From its earliest start to its latest end. */
  readonly durationMs: number;
  /** `error` when any span failed. */
  readonly status: 'ok' | 'error';
}

interface StoredTrace {
  readonly spans: Map<string, SpanRecord>;
}

/**
 * Recent traces in memory for the local trace view. Bounded by trace and span counts: a busy
 * system keeps its latest traces instead of growing without limit. Spans of one trace arrive in
 * several exports (one per service); they are merged, and a re-sent span replaces its copy.
 */
export class TraceStore {
  readonly #traces = new Map<string, StoredTrace>();
  readonly #maxTraces: number;
  readonly #maxSpans: number;
  #spanCount = 0;
  #changes = 0;

  constructor(options: TraceStoreOptions = {}) {
    this.#maxTraces = options.maxTraces ?? 1000;
    this.#maxSpans = options.maxSpans ?? 50_000;
  }

  /** How many traces and spans it holds now. */
  get size(): { traces: number; spans: number } {
    return { traces: this.#traces.size, spans: this.#spanCount };
  }

  /** Grows with every add, so a writer can tell whether anything changed since it last looked. */
  get changes(): number {
    return this.#changes;
  }

  /** Merges spans into their traces, evicting the least recently updated traces past the bounds. */
  add(records: readonly SpanRecord[]): void {
    if (records.length > 0) this.#changes += 1;
    for (const record of records) {
      const { traceId, spanId } = record.view;
      const trace = this.#traces.get(traceId) ?? { spans: new Map<string, SpanRecord>() };
      // Re-inserting moves the trace to the newest end of the eviction order.
      this.#traces.delete(traceId);
      this.#traces.set(traceId, trace);
      if (!trace.spans.has(spanId)) this.#spanCount += 1;
      trace.spans.set(spanId, record);
      this.#evict(traceId);
    }
  }

  /** The trace's spans in start order, or undefined when it is not (or no longer) in the store. */
  get(traceId: string): SpanView[] | undefined {
    const trace = this.#traces.get(traceId);
    return trace ? sortedSpans(trace).map((record) => record.view) : undefined;
  }

  /** Whole traces, most recently updated first, until `maxSpans` would be passed; for the snapshot. */
  newest(maxSpans: number): SpanRecord[] {
    const kept: SpanRecord[] = [];
    for (const trace of [...this.#traces.values()].reverse()) {
      if (kept.length + trace.spans.size > maxSpans) break;
      kept.push(...trace.spans.values());
    }
    return kept;
  }

  /** Matching traces, newest first. */
  query(query: TraceQuery = {}): TraceSummary[] {
    const summaries: TraceSummary[] = [];
    for (const [traceId, trace] of this.#traces) {
      const spans = sortedSpans(trace);
      if (query.service && !spans.some((span) => span.view.serviceName === query.service)) continue;
      if (query.route && !spans.some((span) => span.view.attributes['http.route'] === query.route)) continue;
      const summary = summarize(traceId, spans);
      if (query.status && summary.status !== query.status) continue;
      if (query.minDurationMs !== undefined && summary.durationMs < query.minDurationMs) continue;
      summaries.push(summary);
    }
    summaries.sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0));
    return summaries.slice(0, query.limit ?? 20);
  }

  #evict(keep: string): void {
    for (const [traceId, trace] of this.#traces) {
      if (this.#traces.size <= this.#maxTraces && this.#spanCount <= this.#maxSpans) return;
      if (traceId === keep) continue;
      this.#traces.delete(traceId);
      this.#spanCount -= trace.spans.size;
    }
    // Only the trace being written is left and it alone is over the span limit: drop its oldest spans.
    const trace = this.#traces.get(keep);
    if (!trace) return;
    for (const record of sortedSpans(trace)) {
      if (this.#spanCount <= this.#maxSpans) return;
      trace.spans.delete(record.view.spanId);
      this.#spanCount -= 1;
    }
  }
}

function sortedSpans(trace: StoredTrace): SpanRecord[] {
  return [...trace.spans.values()].sort((a, b) =>
    a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0,
  );
}

function summarize(traceId: string, spans: readonly SpanRecord[]): TraceSummary {
  const ids = new Set(spans.map((span) => span.view.spanId));
  const root = spans.find((span) => span.view.parentSpanId === null || !ids.has(span.view.parentSpanId));
  let start = spans[0]?.startNs ?? 0n;
  let end = start;
  for (const span of spans) {
    if (span.startNs < start) start = span.startNs;
    if (span.endNs > end) end = span.endNs;
  }
  return {
    traceId,
    root: root ? { serviceName: root.view.serviceName, name: root.view.name } : null,
    services: [...new Set(spans.map((span) => span.view.serviceName))].sort(),
    spanCount: spans.length,
    startTime: spans[0]?.view.startTime ?? new Date(0).toISOString(),
    durationMs: Number(end - start) / 1e6,
    status: spans.some((span) => span.view.status.code === 'error') ? 'error' : 'ok',
  };
}
