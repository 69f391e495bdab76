import { type ErrorCode, errorCatalogue } from './catalogue.js';

export interface FieldError {
  /** JSON pointer-ish location of the bad value, e.g. `/body/email` or `/query/limit`. */
  readonly field: string;
  readonly message: string;
}

export interface FlotillaErrorOptions {
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
  /** Extension members copied into the problem document (safe, client-facing data only). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** Seconds after which a retry may succeed; becomes `Retry-After`. */
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

/** An error with a catalogue code. Its `detail` is shown to clients only for 4xx codes. */
export class FlotillaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly detail: string | undefined;
  readonly errors: readonly FieldError[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>> | undefined;
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

export function isFlotillaError(error: unknown): error is FlotillaError {
  return error instanceof FlotillaError;
}
