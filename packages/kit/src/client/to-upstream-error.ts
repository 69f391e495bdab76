import type { CallOutcome } from '../discovery/index.js';
import { FlotillaError, fromProblem } from '../errors/index.js';

/**
 * Error codes raised before any answer arrived: the instance is down or unreachable, so the
 * balancer should eject it and a retry on another instance is safe for idempotent requests. Shared
 * with the gateway, which proxies over the same undici.
 */
export const CONNECTION_ERRORS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_ERRORS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ABORT_ERR']);

function codeOf(error: unknown): string | undefined {
  const record = error as { code?: unknown; cause?: { code?: unknown }; name?: unknown } | undefined;
  if (typeof record?.code === 'string') return record.code;
  if (typeof record?.cause?.code === 'string') return record.cause.code;
  return record?.name === 'AbortError' ? 'ABORT_ERR' : undefined;
}

/** What the load balancer learns from a request that threw before any answer. */
export function outcomeOfThrown(error: unknown): CallOutcome {
  const code = codeOf(error);
  return code !== undefined && CONNECTION_ERRORS.has(code) ? 'refused' : 'failure';
}

/** A transport failure as a catalogue error: unreachable → UPSTREAM_UNAVAILABLE, too slow → UPSTREAM_TIMEOUT. */
export function fromTransportError(error: unknown, target: string): FlotillaError {
  if (error instanceof FlotillaError) return error;
  const code = codeOf(error);
  const extensions = { upstream: target };
  if (code !== undefined && TIMEOUT_ERRORS.has(code)) {
    return new FlotillaError('UPSTREAM_TIMEOUT', {
      detail: `${target} did not answer in time`,
      extensions,
      cause: error,
    });
  }
  if (code !== undefined && CONNECTION_ERRORS.has(code)) {
    return new FlotillaError('UPSTREAM_UNAVAILABLE', {
      detail: `${target} is unreachable (${code})`,
      extensions,
      cause: error,
    });
  }
  return new FlotillaError('BAD_GATEWAY', { detail: `call to ${target} failed`, extensions, cause: error });
}

/**
 * An upstream's 4xx/5xx answer as the catalogue error it carries (its problem `code`, or one chosen
 * by status: 502/503/504 and 429 map to retryable codes), with its Retry-After.
 */
export function fromErrorResponse(
  status: number,
  body: unknown,
  retryAfterHeader: string | undefined,
  target: string,
): FlotillaError {
  const parsed = fromProblem(body, status);
  const retryAfterSeconds = parseRetryAfter(retryAfterHeader);
  return new FlotillaError(parsed.code, {
    ...(parsed.detail === undefined ? {} : { detail: parsed.detail }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    extensions: { upstream: target },
  });
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
