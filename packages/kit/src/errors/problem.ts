import { codeForStatus, type ErrorCode, errorCatalogue, isErrorCode, problemType } from './catalogue.js';
import { type FieldError, FlotillaError } from './flotilla-error.js';

/** The media type of every error answer. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem details document, with Flotilla's extension members. */
export interface Problem {
  /** A URI naming the kind of problem (the catalogue code's page). */
  type: string;
  /** The catalogue's short, fixed summary of the kind. */
  title: string;
  /** The HTTP status. */
  status: number;
  /** What went wrong this time; only on 4xx problems. */
  detail?: string;
  /** The request path the problem is about. */
  instance?: string;
  /** The catalogue code, e.g. `VALIDATION_FAILED`. */
  code: ErrorCode;
  /** Whether the same request may succeed later. */
  retryable: boolean;
  /** Finds the request's log lines and trace. */
  traceId?: string;
  /** One entry per invalid field of the request. */
  errors?: readonly FieldError[];
  /** Extension members a `FlotillaError` added. */
  [extension: string]: unknown;
}

/** What a problem document says about the request it answers. */
export interface ProblemContext {
  /** The request path the problem is about. */
  readonly instance?: string;
  /** Trace id (or request id) that lets an operator find the log lines. */
  readonly traceId?: string;
}

/**
 * Maps any thrown value to the problem a client may see. Unknown errors become INTERNAL, and no 5xx
 * ever carries a message, stack or cause: those stay in the log, found through the trace id.
 */
export function toProblem(error: unknown, context: ProblemContext = {}): Problem {
  const flotillaError = error instanceof FlotillaError ? error : new FlotillaError('INTERNAL');
  const definition = errorCatalogue[flotillaError.code];
  const clientError = definition.status < 500;
  const problem: Problem = {
    // Extensions are set explicitly by the thrower (e.g. the upstream a gateway could not reach),
    // never derived from a cause, so they are safe for 5xx too.
    ...flotillaError.extensions,
    type: problemType(flotillaError.code),
    title: definition.title,
    status: definition.status,
    code: flotillaError.code,
    retryable: definition.retryable,
  };
  if (clientError && flotillaError.detail !== undefined) problem.detail = flotillaError.detail;
  if (clientError && flotillaError.errors !== undefined) problem.errors = flotillaError.errors;
  if (context.instance !== undefined) problem.instance = context.instance;
  if (context.traceId !== undefined) problem.traceId = context.traceId;
  return problem;
}

/** Reads a problem document received from another service back into a FlotillaError. */
export function fromProblem(body: unknown, fallbackStatus: number): FlotillaError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = isErrorCode(record.code) ? record.code : undefined;
  const detail = typeof record.detail === 'string' ? record.detail : undefined;
  return new FlotillaError(code ?? codeForStatus(fallbackStatus), {
    detail: detail ?? `upstream answered ${fallbackStatus}`,
  });
}
