import { FlotillaError } from '@flotilla/kit';
import type { Queryable } from '@flotilla/kit/db';
import type { User } from '@flotilla/users/contract';
import { findReplicatedUser } from './user-replica.js';

/**
 * What orders does when users cannot answer (down, too slow, breaker open): it asks the local
 * replica fed by users' events. A user the replica knows and has not seen deleted is accepted; one
 * it has seen deleted is refused like an unknown user (NOT_FOUND, which the caller turns into a 400);
 * a user it has never heard of may simply be newer than the last event, so orders cannot tell and
 * answers 503 (504 for a timeout) with Retry-After — never a hang, never a raw error.
 */
export function userFallback(replica: Queryable, userId: string) {
  return async (error: FlotillaError): Promise<User> => {
    const known = await findReplicatedUser(replica, userId);
    if (known?.deleted === false) return known.user;
    if (known?.deleted) {
      throw new FlotillaError('NOT_FOUND', { detail: `user ${userId} was deleted`, cause: error });
    }
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
  };
}
