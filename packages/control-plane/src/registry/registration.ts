import { parseGoDuration } from './go-duration.js';

export type CheckStatus = 'passing' | 'warning' | 'critical';
export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

/** One health check of a service, as registered. */
export interface CheckDefinition {
  readonly checkId: string;
  readonly name: string;
  readonly notes: string;
  readonly serviceId: string;
  readonly kind: 'http' | 'ttl';
  readonly http: string | undefined;
  readonly method: string;
  readonly header: Readonly<Record<string, readonly string[]>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly ttlMs: number;
  /** Remove the service once this check has been critical this long. */
  readonly deregisterAfterMs: number | undefined;
  readonly initialStatus: CheckStatus;
}

/** A service instance as registered through `PUT /v1/agent/service/register`. */
export interface ServiceDefinition {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly enableTagOverride: boolean;
  readonly checks: readonly CheckDefinition[];
}

/** Bad registration input; `message` is the plain-text body Consul would answer with status 400. */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
}

/** Consul's default HTTP check timeout. */
const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/**
 * Consul clamps intervals to at least 1 s; the embedded registry allows 100 ms so that tests and
 * demos can use sub-second checks (docs/discovery.md lists this difference).
 */
const MIN_INTERVAL_MS = 100;
const META_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_META_PAIRS = 64;
const MAX_META_VALUE = 512;

/**
 * Validates and normalises a registration body. Like Consul (whose Go decoder matches JSON field
 * names case-insensitively and accepts snake_case aliases), `Name`, `name` and `NAME` are the same.
 */
export function parseRegistration(body: unknown): ServiceDefinition {
  const fields = fieldsOf(body, 'service definition');
  const name = optionalString(fields, 'name', 'Name');
  if (!name) throw new RegistrationError('Missing service name');
  const id = optionalString(fields, 'id', 'ID') || name;
  const port = fields.get('port') ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw decodeFailed(`invalid Port ${JSON.stringify(port)}: must be an integer from 0 to 65535`);
  }
  const tags = stringArray(fields.get('tags'), 'Tags');
  const meta = parseMeta(fields.get('meta'));
  const single = fields.get('check');
  const many = fields.get('checks');
  const rawChecks: unknown[] = [];
  if (single !== undefined && single !== null) rawChecks.push(single);
  if (many !== undefined && many !== null) {
    if (!Array.isArray(many)) throw decodeFailed('Checks must be an array');
    rawChecks.push(...many);
  }
  const checks = rawChecks.map((raw, index) =>
    parseCheck(raw, { id, name }, rawChecks.length === 1 ? undefined : index + 1),
  );
  const ids = new Set(checks.map((check) => check.checkId));
  if (ids.size !== checks.length) throw new RegistrationError('Invalid check: duplicate CheckID');
  return {
    id,
    name,
    tags,
    address: optionalString(fields, 'address', 'Address'),
    port,
    meta,
    enableTagOverride: fields.get('enabletagoverride') === true,
    checks,
  };
}

function parseCheck(
  raw: unknown,
  service: { id: string; name: string },
  ordinal: number | undefined,
): CheckDefinition {
  const fields = fieldsOf(raw, 'check');
  const http = optionalString(fields, 'http', 'HTTP');
  const ttlMs = durationField(fields, 'ttl', 'TTL');
  const intervalMs = durationField(fields, 'interval', 'Interval');
  const timeoutMs = durationField(fields, 'timeout', 'Timeout');
  const deregisterAfterMs = durationField(
    fields,
    'deregistercriticalserviceafter',
    'DeregisterCriticalServiceAfter',
  );
  const unsupported = ['script', 'args', 'tcp', 'udp', 'grpc', 'h2ping', 'dockercontainerid', 'osservice'];
  if (unsupported.some((key) => fields.has(key) && fields.get(key) !== '' && fields.get(key) !== null)) {
    throw new RegistrationError(
      'Invalid check: the embedded registry runs HTTP and TTL checks only; use Consul for other check types',
    );
  }
  let kind: 'http' | 'ttl';
  if (http) {
    if (!intervalMs || intervalMs <= 0) {
      throw new RegistrationError('Invalid check: Interval must be > 0 for Script, HTTP, or TCP checks');
    }
    try {
      const url = new URL(http);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new RegistrationError(`Invalid check: HTTP must be an http(s) URL, got ${JSON.stringify(http)}`);
    }
    kind = 'http';
  } else if (ttlMs !== undefined) {
    if (ttlMs <= 0) throw new RegistrationError('Invalid check: TTL must be > 0 for TTL checks');
    kind = 'ttl';
  } else {
    throw new RegistrationError('Invalid check: Check must be either an HTTP or a TTL check');
  }
  const status = optionalString(fields, 'status', 'Status') || 'critical';
  if (!(CHECK_STATUSES as readonly string[]).includes(status)) {
    throw new RegistrationError(
      `Invalid check: Status must be passing, warning or critical, got "${status}"`,
    );
  }
  if (deregisterAfterMs !== undefined && deregisterAfterMs < 0) {
    throw new RegistrationError('Invalid check: DeregisterCriticalServiceAfter must be >= 0');
  }
  const defaultId = ordinal === undefined ? `service:${service.id}` : `service:${service.id}:${ordinal}`;
  return {
    checkId: optionalString(fields, 'checkid', 'CheckID') || optionalString(fields, 'id', 'ID') || defaultId,
    name: optionalString(fields, 'name', 'Name') || `Service '${service.name}' check`,
    notes: optionalString(fields, 'notes', 'Notes'),
    serviceId: service.id,
    kind,
    http: kind === 'http' ? http : undefined,
    method: (optionalString(fields, 'method', 'Method') || 'GET').toUpperCase(),
    header: parseHeader(fields.get('header')),
    intervalMs: kind === 'http' ? Math.max(MIN_INTERVAL_MS, intervalMs ?? 0) : 0,
    timeoutMs: timeoutMs && timeoutMs > 0 ? timeoutMs : DEFAULT_HTTP_TIMEOUT_MS,
    ttlMs: kind === 'ttl' ? (ttlMs ?? 0) : 0,
    deregisterAfterMs: deregisterAfterMs || undefined,
    initialStatus: status as CheckStatus,
  };
}

/** Field names folded to lower case without `_`, as Consul's decoder matches them. */
function fieldsOf(value: unknown, what: string): Map<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw decodeFailed(`${what} must be a JSON object`);
  }
  const fields = new Map<string, unknown>();
  for (const [key, field] of Object.entries(value)) fields.set(key.toLowerCase().replaceAll('_', ''), field);
  return fields;
}

function optionalString(fields: Map<string, unknown>, key: string, shown: string): string {
  const value = fields.get(key);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw decodeFailed(`${shown} must be a string`);
  return value;
}

function durationField(fields: Map<string, unknown>, key: string, shown: string): number | undefined {
  const value = fields.get(key);
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return parseGoDuration(value);
  } catch (error) {
    throw decodeFailed(`${shown}: ${(error as Error).message}`);
  }
}

function stringArray(value: unknown, shown: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw decodeFailed(`${shown} must be an array of strings`);
  }
  return [...value];
}

function parseMeta(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw decodeFailed('Meta must be an object');
  const entries = Object.entries(value);
  if (entries.length > MAX_META_PAIRS) {
    throw new RegistrationError(
      `Invalid Service Meta: Node metadata cannot contain more than ${MAX_META_PAIRS} key/value pairs`,
    );
  }
  const meta: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (!META_KEY.test(key)) {
      throw new RegistrationError(
        `Invalid Service Meta: Key contains invalid characters or is longer than 64 characters: ${JSON.stringify(key)}`,
      );
    }
    if (key.startsWith('consul-')) {
      throw new RegistrationError(`Invalid Service Meta: Key denotes a reserved prefix: ${key}`);
    }
    if (typeof item !== 'string') throw decodeFailed(`Meta value of ${JSON.stringify(key)} must be a string`);
    if (item.length > MAX_META_VALUE) {
      throw new RegistrationError(
        `Invalid Service Meta: Value is too long (limit: ${MAX_META_VALUE} characters)`,
      );
    }
    meta[key] = item;
  }
  return meta;
}

function parseHeader(value: unknown): Record<string, string[]> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw decodeFailed('Header must be an object');
  const header: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(value)) {
    // Consul's shape is a list per header; some clients (the `consul` npm typings) send one string.
    const list = typeof values === 'string' ? [values] : values;
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) {
      throw decodeFailed(`Header ${JSON.stringify(key)} must be an array of strings`);
    }
    header[key] = [...list];
  }
  return header;
}

function decodeFailed(reason: string): RegistrationError {
  return new RegistrationError(`Request decode failed: ${reason}`);
}
