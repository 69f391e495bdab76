import { FlotillaError } from '@flotilla/kit/errors';
import type { Attributes, AttributeValue } from './span-record.js';

// The OTLP value shapes shared by every signal: both encodings as parsed (OTLP/JSON, and protobufjs'
// `toObject` with 64-bit integers as strings), ids as hex or bytes.

function invalid(detail: string): FlotillaError {
  return new FlotillaError('BAD_REQUEST', { detail: `not an OTLP export: ${detail}` });
}

export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function arrayAt(value: unknown, key: string): unknown[] {
  const items = field(value, key);
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw invalid(`${key} must be an array`);
  return items;
}

// Compiled once: every span, parent, link and log line goes through `idOf`.
const HEX = /^[0-9a-f]*$/i;
const ALL_ZEROS = /^0+$/;

export function idOf(value: unknown, bytes: number, name: string): string {
  const hex =
    value instanceof Uint8Array ? Buffer.from(value).toString('hex') : typeof value === 'string' ? value : '';
  if (hex.length !== bytes * 2 || !HEX.test(hex) || ALL_ZEROS.test(hex)) {
    throw invalid(`${name} must be ${bytes} bytes, not all zero`);
  }
  return hex.toLowerCase();
}

export function isEmptyId(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (value instanceof Uint8Array && value.length === 0)
  );
}

export function nanosOf(value: unknown, name: string): bigint {
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

export function isoOf(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}

export function attributesOf(list: unknown): Attributes {
  const attributes: Attributes = {};
  if (!Array.isArray(list)) return attributes;
  for (const entry of list) {
    const key = field(entry, 'key');
    if (typeof key === 'string') attributes[key] = anyValueOf(field(entry, 'value'));
  }
  return attributes;
}

/** An OTLP AnyValue as plain JSON; 64-bit integers beyond 2^53 stay strings to stay exact. */
export function anyValueOf(any: unknown): AttributeValue {
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
