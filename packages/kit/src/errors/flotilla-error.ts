import { type ErrorCode, errorCatalogue } from './catalogue.js';

/** One invalid field of a request. */
export interface FieldError {
  /** JSON pointer-ish location of the bad value, e.g. `/body/email` or `/query/limit`. */
  readonly field: string;
  /** What is wrong with it. */
  readonly message: string;
}

/** What a `FlotillaError` carries beside its code. */
export interface FlotillaErrorOptions {
  /** What went wrong this time, in words for the client (4xx only). */
  readonly detail?: string;
  /** One entry per invalid field of a request. */
  readonly errors?: readonly FieldError[];
  /** Extension members copied into the problem document (safe, client-facing data only). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** Seconds after which a retry may succeed; becomes `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** The error behind it; logged, never shown to clients. */
  readonly cause?: unknown;
}

/** An error with a catalogue code. Its `detail` is shown to clients only for 4xx codes. */
export class FlotillaError extends Error {
  /** The catalogue code, e.g. `NOT_FOUND`; it sets the status, title and `type` of the problem. */
  readonly code: ErrorCode;
  /** The HTTP status the catalogue gives the code. */
  readonly status: number;
  /** Whether a caller may try again (the catalogue's word for the code). */
  readonly retryable: boolean;
  /** What went wrong this time, in words for the client. */
  readonly detail: string | undefined;
  /** One entry per invalid field of a request. */
  readonly errors: readonly FieldError[] | undefined;
  /** Members added to the problem+json body. */
  readonly extensions: Readonly<Record<string, unknown>> | undefined;
  /** Sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: FlotillaErrorOptions = {}) {
    const definition = errorCatalogue[code];
    super(
      options.detail ?? definition.title,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'FlotillaError';
    this.code = code;
    this.status = definition.status;
    this.retryable = definition.retryable;
    this.detail = options.detail;
    this.errors = options.errors;
    this.extensions = options.extensions;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Whether `error` is a `FlotillaError`. */
export function isFlotillaError(error: unknown): error is FlotillaError {
  return error instanceof FlotillaError;
}
