import { FlotillaError } from '@flotilla/kit/errors';
import type { Attributes, AttributeValue, SpanKindName, SpanRecord, StatusCodeName } from './span-record.js';

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

function invalid(detail: string): FlotillaError {
  return new FlotillaError('BAD_REQUEST', { detail: `not an OTLP trace export: ${detail}` });
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function arrayAt(value: unknown, key: string): unknown[] {
  const items = field(value, key);
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw invalid(`${key} must be an array`);
  return items;
}

function idOf(value: unknown, bytes: number, name: string): string {
  const hex =
    value instanceof Uint8Array ? Buffer.from(value).toString('hex') : typeof value === 'string' ? value : '';
  const pattern = new RegExp(`^[0-9a-f]{${bytes * 2}}$`, 'i');
  if (!pattern.test(hex) || /^0+$/.test(hex)) throw invalid(`${name} must be ${bytes} bytes, not all zero`);
  return hex.toLowerCase();
}

function isEmptyId(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (value instanceof Uint8Array && value.length === 0)
  );
}

function nanosOf(value: unknown, name: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (
    (typeof value === 'string' && /^\d+$/.test(value)) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  ) {
    return BigInt(value);
  }
  // protobufjs' Long when a caller did not ask for strings.
  if (typeof value === 'object' && 'toString' in value) return nanosOf(String(value), name);
  throw invalid(`${name} must be an unsigned integer`);
}

function isoOf(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
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

function attributesOf(list: unknown): Attributes {
  const attributes: Attributes = {};
  if (!Array.isArray(list)) return attributes;
  for (const entry of list) {
    const key = field(entry, 'key');
    if (typeof key === 'string') attributes[key] = anyValueOf(field(entry, 'value'));
  }
  return attributes;
}

/** An OTLP AnyValue as plain JSON; 64-bit integers beyond 2^53 stay strings to stay exact. */
function anyValueOf(any: unknown): AttributeValue {
  if (typeof any !== 'object' || any === null) return null;
  const value = any as Record<string, unknown>;
  if (value.stringValue !== undefined) return String(value.stringValue);
  if (value.boolValue !== undefined) return Boolean(value.boolValue);
  if (value.intValue !== undefined) {
    const number = Number(value.intValue);
    return Number.isSafeInteger(number) ? number : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.arrayValue !== undefined) {
    const values = field(value.arrayValue, 'values');
    return Array.isArray(values) ? values.map(anyValueOf) : [];
  }
  if (value.kvlistValue !== undefined) return attributesOf(field(value.kvlistValue, 'values'));
  if (value.bytesValue !== undefined) {
    return value.bytesValue instanceof Uint8Array
      ? Buffer.from(value.bytesValue).toString('base64')
      : String(value.bytesValue);
  }
  return null;
}
