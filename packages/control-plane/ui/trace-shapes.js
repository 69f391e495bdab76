// @ts-check
// Reads the trace store's JSON into the few fields the page draws. Tolerant of the usual spellings
// (OTLP's, and camel/snake case) so that the page keeps working if the store's shape grows.

/** @typedef {Record<string, any>} Loose JSON whose spelling is not known in advance. */

/**
 * @typedef {object} Span
 * @property {string} id
 * @property {string | undefined} parentId
 * @property {string} service
 * @property {string} name
 * @property {string} kind
 * @property {number} start epoch ms
 * @property {number} duration ms
 * @property {boolean} error
 * @property {Record<string, unknown>} attributes
 * @property {{ name: string, time: number | undefined, attributes: Record<string, unknown> }[]} events
 */

/**
 * @typedef {object} TraceSummary
 * @property {string} traceId
 * @property {string} service
 * @property {string} name
 * @property {number | undefined} start epoch ms
 * @property {number} duration ms
 * @property {number | undefined} spanCount
 * @property {string[]} services
 * @property {boolean} error
 */

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/**
 * Epoch milliseconds from an ISO string, or from a number in ms, µs or ns.
 * @param {unknown} value
 * @returns {number | undefined}
 */
export function toMillis(value) {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && !/^\d+(\.\d+)?$/.test(value)) return Date.parse(value);
  const number = Number(value);
  if (number > 1e17) return number / 1e6;
  if (number > 1e14) return number / 1e3;
  return number;
}

/**
 * @param {Loose} record
 * @param {number | undefined} start
 * @param {number | undefined} end
 */
function durationOf(record, start, end) {
  if (record.durationMs !== undefined) return Number(record.durationMs);
  if (record.durationNs !== undefined || record.durationNano !== undefined)
    return Number(record.durationNs ?? record.durationNano) / 1e6;
  if (record.duration !== undefined) return Number(record.duration);
  return end !== undefined && start !== undefined ? end - start : 0;
}

/** @param {unknown} status */
function isError(status) {
  if (status === undefined || status === null) return false;
  const code = typeof status === 'object' ? /** @type {Loose} */ (status).code : status;
  return code === 2 || /error/i.test(String(code));
}

/** @param {unknown} kind */
function kindOf(kind) {
  if (typeof kind === 'number') return KINDS[kind] ?? 'internal';
  return String(kind ?? 'internal')
    .toLowerCase()
    .replace('span_kind_', '');
}

/**
 * @param {Loose} raw
 * @returns {Span}
 */
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
    attributes: raw.attributes ?? {},
    events: (raw.events ?? []).map((/** @type {Loose} */ event) => ({
      name: String(event.name ?? ''),
      time: toMillis(event.time ?? event.timeUnixNano ?? event.timestamp),
      attributes: event.attributes ?? {},
    })),
  };
}

/**
 * @param {unknown} body
 * @returns {{ spans: Span[] }}
 */
export function toTrace(body) {
  const loose = /** @type {Loose | undefined} */ (body);
  /** @type {Loose[]} */
  const spans = Array.isArray(body) ? body : (loose?.spans ?? []);
  return { spans: spans.map(toSpan) };
}

/**
 * @param {unknown} body
 * @returns {TraceSummary[]}
 */
export function toSummaries(body) {
  const loose = /** @type {Loose | undefined} */ (body);
  /** @type {Loose[]} */
  const list = Array.isArray(body) ? body : (loose?.traces ?? loose?.items ?? []);
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
