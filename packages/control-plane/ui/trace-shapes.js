// Reads the trace store's JSON into the few fields the page draws. Tolerant of the usual spellings
// (OTLP's, and camel/snake case) so that the page keeps working if the store's shape grows.

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** Epoch milliseconds from an ISO string, or from a number in ms, µs or ns. */
export function toMillis(value) {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && !/^\d+(\.\d+)?$/.test(value)) return Date.parse(value);
  const number = Number(value);
  if (number > 1e17) return number / 1e6;
  if (number > 1e14) return number / 1e3;
  return number;
}

function durationOf(record, start, end) {
  if (record.durationMs !== undefined) return Number(record.durationMs);
  if (record.durationNs !== undefined || record.durationNano !== undefined)
    return Number(record.durationNs ?? record.durationNano) / 1e6;
  if (record.duration !== undefined) return Number(record.duration);
  return end !== undefined && start !== undefined ? end - start : 0;
}

function isError(status) {
  if (status === undefined || status === null) return false;
  const code = typeof status === 'object' ? status.code : status;
  return code === 2 || /error/i.test(String(code));
}

function kindOf(kind) {
  if (typeof kind === 'number') return KINDS[kind] ?? 'internal';
  return String(kind ?? 'internal')
    .toLowerCase()
    .replace('span_kind_', '');
}

export function toSpan(raw) {
  const start = toMillis(raw.startTime ?? raw.start ?? raw.startTimeUnixNano ?? raw.startTimeMs);
  const end = toMillis(raw.endTime ?? raw.end ?? raw.endTimeUnixNano);
  return {
    id: String(raw.spanId ?? raw.span_id ?? raw.id),
    parentId: raw.parentSpanId ?? raw.parent_span_id ?? raw.parentId ?? undefined,
    service: String(raw.serviceName ?? raw.service ?? raw.resource?.['service.name'] ?? 'unknown'),
    name: String(raw.name ?? raw.spanName ?? ''),
    kind: kindOf(raw.kind),
    start: start ?? 0,
    duration: Math.max(0, durationOf(raw, start, end)),
    error: isError(raw.status),
    status: raw.status,
    attributes: raw.attributes ?? {},
    events: (raw.events ?? []).map((event) => ({
      name: String(event.name ?? ''),
      time: toMillis(event.time ?? event.timeUnixNano ?? event.timestamp),
      attributes: event.attributes ?? {},
    })),
  };
}

export function toTrace(body) {
  const spans = (Array.isArray(body) ? body : (body?.spans ?? [])).map(toSpan);
  return { traceId: body?.traceId ?? spans[0]?.traceId ?? '', spans };
}

export function toSummaries(body) {
  const list = Array.isArray(body) ? body : (body?.traces ?? body?.items ?? []);
  return list.map((raw) => {
    const start = toMillis(raw.startTime ?? raw.start ?? raw.startTimeUnixNano);
    return {
      traceId: String(raw.traceId ?? raw.trace_id ?? raw.id),
      // The trace store's `root: { serviceName, name }`, or flat fields.
      service: String(raw.root?.serviceName ?? raw.rootService ?? raw.service ?? raw.serviceName ?? ''),
      name: String(raw.root?.name ?? raw.rootName ?? raw.name ?? raw.route ?? raw.rootSpanName ?? ''),
      start,
      duration: durationOf(raw, start, toMillis(raw.endTime ?? raw.end)),
      spanCount: raw.spanCount ?? raw.spans?.length,
      services: raw.services ?? [],
      error: raw.error === true || isError(raw.status),
    };
  });
}
