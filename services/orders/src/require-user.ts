import { FlotillaError } from '@flotilla/kit';
import type { TypedClient } from '@flotilla/kit/client';
import type { Queryable } from '@flotilla/kit/db';
import type { User, usersApi } from '@flotilla/users/contract';
import { userFallback } from './user-fallback.js';

/**
 * Checks through the users service that `userId` exists, falling back on the local replica when
 * users cannot answer. An unknown user is the caller's mistake in the body (400 VALIDATION_FAILED
 * on /body/userId), not a missing route or order (404).
 */
export async function requireUser(
  users: TypedClient<typeof usersApi>,
  replica: Queryable,
  userId: string,
  deadline: number | undefined,
): Promise<User> {
  try {
    return await users.get('/users/:id', {
      params: { id: userId },
      deadline,
      fallback: userFallback(replica, userId),
    });
  } catch (error) {
    if (error instanceof FlotillaError && error.code === 'NOT_FOUND') {
      throw new FlotillaError('VALIDATION_FAILED', {
        detail: `no user with id ${userId}`,
        errors: [{ field: '/body/userId', message: 'no such user' }],
      });
    }
    throw error;
  }
}
