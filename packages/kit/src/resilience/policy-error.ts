import {
  BrokenCircuitError,
  BulkheadRejectedError,
  IsolatedCircuitError,
  TaskCancelledError,
} from 'cockatiel';
import { FlotillaError } from '../errors/index.js';

/** What a policy's refusal says about the call. */
export interface PolicyErrorContext {
  /** The service that was called; becomes the problem's `upstream` member. */
  readonly target: string;
  /** For an open breaker: how long until it lets a probe through. */
  readonly breakerRetryAfterSeconds?: () => number;
}

/** Turns what cockatiel throws into catalogue errors; anything else passes through unchanged. */
export function toPolicyError(error: unknown, context: PolicyErrorContext): unknown {
  const extensions = { upstream: context.target };
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return new FlotillaError('CIRCUIT_OPEN', {
      detail: `circuit to ${context.target} is open`,
      extensions,
      retryAfterSeconds: context.breakerRetryAfterSeconds?.() ?? 1,
      cause: error,
    });
  }
  if (error instanceof BulkheadRejectedError) {
    return new FlotillaError('BULKHEAD_FULL', {
      detail: `too many concurrent calls to ${context.target}`,
      extensions,
      retryAfterSeconds: 1,
      cause: error,
    });
  }
  if (error instanceof TaskCancelledError) {
    return new FlotillaError('UPSTREAM_TIMEOUT', {
      detail: `${context.target} did not answer in time`,
      extensions,
      cause: error,
    });
  }
  return error;
}
