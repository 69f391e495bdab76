/**
 * The one catalogue of error codes. Every client-facing error carries one of these codes; the HTTP
 * status, the title and whether a caller may retry are properties of the code, never decided at the
 * throw site or in the retry logic.
 */
export const errorCatalogue = {
  BAD_REQUEST: { status: 400, title: 'Bad request', retryable: false },
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed', retryable: false },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON body', retryable: false },
  UNAUTHORIZED: { status: 401, title: 'Authentication required', retryable: false },
  FORBIDDEN: { status: 403, title: 'Forbidden', retryable: false },
  NOT_FOUND: { status: 404, title: 'Resource not found', retryable: false },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route', retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', retryable: false },
  NOT_ACCEPTABLE: { status: 406, title: 'Not acceptable', retryable: false },
  REQUEST_TIMEOUT: { status: 408, title: 'Request timed out', retryable: true },
  CONFLICT: { status: 409, title: 'Conflict', retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', retryable: false },
  EXPECTATION_FAILED: { status: 417, title: 'Expectation failed', retryable: false },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency key reused with a different request',
    retryable: false,
  },
  RATE_LIMITED: { status: 429, title: 'Too many requests', retryable: true },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large', retryable: false },
  INTERNAL: { status: 500, title: 'Internal error', retryable: false },
  BAD_GATEWAY: { status: 502, title: 'Bad gateway', retryable: true },
  UPSTREAM_UNAVAILABLE: { status: 503, title: 'Upstream service unavailable', retryable: true },
  CIRCUIT_OPEN: { status: 503, title: 'Circuit breaker open', retryable: true },
  BULKHEAD_FULL: { status: 503, title: 'Too many concurrent calls', retryable: true },
  OVERLOADED: { status: 503, title: 'Server overloaded', retryable: true },
  SHUTTING_DOWN: { status: 503, title: 'Server shutting down', retryable: true },
  NOT_READY: { status: 503, title: 'Not ready', retryable: true },
  UPSTREAM_TIMEOUT: { status: 504, title: 'Upstream timed out', retryable: true },
  DEADLINE_EXCEEDED: { status: 504, title: 'Deadline exceeded', retryable: false },
} as const satisfies Record<string, ErrorDefinition>;

/** What the catalogue says about one code. */
export interface ErrorDefinition {
  /** The HTTP status. */
  readonly status: number;
  /** The problem's fixed title. */
  readonly title: string;
  /** Whether a caller may try again. */
  readonly retryable: boolean;
}

/** A code of the catalogue, e.g. `NOT_FOUND`. */
export type ErrorCode = keyof typeof errorCatalogue;

/** Whether `value` is a code of the catalogue. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalogue, value);
}

/** The problem `type` URI of a code: stable, documented in docs/errors.md. */
export function problemType(code: ErrorCode): string {
  return `urn:flotilla:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** The code the catalogue uses for a bare HTTP status (an upstream answer with no code of ours). */
export function codeForStatus(status: number): ErrorCode {
  const exact = (Object.keys(errorCatalogue) as ErrorCode[]).find(
    (code) => errorCatalogue[code].status === status,
  );
  if (exact) return exact;
  return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
}
