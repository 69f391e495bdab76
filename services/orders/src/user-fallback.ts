import { FlotillaError } from '@flotilla/kit';
import type { User } from '@flotilla/users/contract';

/**
 * What orders does when users cannot answer (down, too slow, breaker open). Until orders keeps a
 * local replica of users (fed by user events), it cannot check the user, so it answers a 503 (or 504
 * for a timeout) problem with Retry-After: never a hang, never a raw error. The replica lookup will
 * go here.
 */
export async function userFallback(error: FlotillaError): Promise<User> {
  const retryAfterSeconds = error.retryAfterSeconds ?? 1;
  const extensions = { upstream: 'users' };
  if (error.code === 'UPSTREAM_TIMEOUT' || error.code === 'DEADLINE_EXCEEDED') {
    throw new FlotillaError(error.code, { extensions, retryAfterSeconds, cause: error });
  }
  throw new FlotillaError(error.code === 'CIRCUIT_OPEN' ? 'CIRCUIT_OPEN' : 'UPSTREAM_UNAVAILABLE', {
    extensions,
    retryAfterSeconds,
    cause: error,
  });
}
