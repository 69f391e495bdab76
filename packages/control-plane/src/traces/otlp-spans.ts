import { arrayAt, attributesOf, field, idOf, isEmptyId, isoOf, nanosOf } from './otlp-values.js';
import type { SpanKindName, SpanRecord, StatusCodeName } from './span-record.js';

/**
 * Turns an OTLP ExportTraceServiceRequest into span records. It takes both encodings in the shape
 * they share: OTLP/JSON as parsed, and the protobuf message as protobufjs' `toObject` gives it (with
 * 64-bit integers as strings). They differ only in ids: hex strings in JSON, bytes in protobuf.
 */
export function spansFromOtlp(request: unknown): SpanRecord[] {
  const records: SpanRecord[] = [];
  for (const resourceSpans of arrayAt(request, 'resourceSpans')) {
    const resource = attributesOf(field(field(resourceSpans, 'resource'), 'attributes'));
    const serviceName =
      typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    for (const scopeSpans of arrayAt(resourceSpans, 'scopeSpans')) {
      const scope = field(scopeSpans, 'scope');
      const scopeName = String(field(scope, 'name') ?? '');
      const scopeVersion = field(scope, 'version');
      for (const span of arrayAt(scopeSpans, 'spans')) {
        const startNs = nanosOf(field(span, 'startTimeUnixNano'), 'startTimeUnixNano');
        const endNs = nanosOf(field(span, 'endTimeUnixNano'), 'endTimeUnixNano');
        const parent = field(span, 'parentSpanId');
        const status = field(span, 'status');
        const statusMessage = field(status, 'message');
        records.push({
          startNs,
          endNs,
          view: {
            traceId: idOf(field(span, 'traceId'), 16, 'traceId'),
            spanId: idOf(field(span, 'spanId'), 8, 'spanId'),
            parentSpanId: isEmptyId(parent) ? null : idOf(parent, 8, 'parentSpanId'),
            serviceName,
            name: String(field(span, 'name') ?? ''),
            kind: kindOf(field(span, 'kind')),
            startTime: isoOf(startNs),
            startTimeUnixNano: startNs.toString(),
            durationMs: Number(endNs > startNs ? endNs - startNs : 0n) / 1e6,
            status: {
              code: statusCodeOf(field(status, 'code')),
              ...(typeof statusMessage === 'string' && statusMessage !== ''
                ? { message: statusMessage }
                : {}),
            },
            attributes: attributesOf(field(span, 'attributes')),
            events: arrayAt(span, 'events').map((event) => ({
              name: String(field(event, 'name') ?? ''),
              time: isoOf(nanosOf(field(event, 'timeUnixNano'), 'timeUnixNano')),
              attributes: attributesOf(field(event, 'attributes')),
            })),
            links: arrayAt(span, 'links').map((link) => ({
              traceId: idOf(field(link, 'traceId'), 16, 'links.traceId'),
              spanId: idOf(field(link, 'spanId'), 8, 'links.spanId'),
              attributes: attributesOf(field(link, 'attributes')),
            })),
            resource,
            scope: {
              name: scopeName,
              ...(typeof scopeVersion === 'string' ? { version: scopeVersion } : {}),
            },
          },
        });
      }
    }
  }
  return records;
}

const KINDS: readonly SpanKindName[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
const STATUS_CODES: readonly StatusCodeName[] = ['unset', 'ok', 'error'];

function kindOf(value: unknown): SpanKindName {
  if (typeof value === 'number') return KINDS[value] ?? 'unspecified';
  // Enum names (SPAN_KIND_SERVER) are tolerated although OTLP/JSON requires numbers.
  if (typeof value === 'string') {
    const name = value.replace(/^SPAN_KIND_/, '').toLowerCase();
    return (KINDS as readonly string[]).includes(name) ? (name as SpanKindName) : 'unspecified';
  }
  return 'unspecified';
}

function statusCodeOf(value: unknown): StatusCodeName {
  if (typeof value === 'number') return STATUS_CODES[value] ?? 'unset';
  if (typeof value === 'string') {
    const name = value.replace(/^STATUS_CODE_/, '').toLowerCase();
    return (STATUS_CODES as readonly string[]).includes(name) ? (name as StatusCodeName) : 'unset';
  }
  return 'unset';
}
