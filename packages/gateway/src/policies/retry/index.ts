import { CONNECTION_ERRORS } from '@flotilla/kit/client';
import { FlotillaError } from '@flotilla/kit/errors';
import { retryPolicy } from '@flotilla/kit/resilience';
import type { RoutedRequest } from '../../request-context.js';
import type { Wrapper } from '../policy.js';

// RFC 9110 §9.2.2: repeating these has the effect of doing them once.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Sends a request refused before any answer to another instance, at once, up to the route's
 * `retries` more times, through the kit's retry policy: only a bodiless request with an idempotent
 * method, so a POST or PATCH is never sent twice. The first try runs outside the policy, so a
 * request answered at once costs none of it.
 */
export function retry(): Wrapper {
  return (next) => async (context) => {
    try {
      return await next(context);
    } catch (error) {
      if (context.route.retries === 0 || !replayable(context) || !refused(error)) throw error;
      return retryPolicy({
        maxRetries: context.route.retries - 1,
        initialDelayMs: 0,
        maxDelayMs: 0,
        allow: refused,
      }).execute(() => next(context));
    }
  };
}

function replayable(context: RoutedRequest): boolean {
  return context.body === undefined && IDEMPOTENT.has(context.method);
}

/** The connection was refused or reset before any answer: the request never reached a service. */
function refused(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return error instanceof FlotillaError && typeof code === 'string' && CONNECTION_ERRORS.has(code);
}
