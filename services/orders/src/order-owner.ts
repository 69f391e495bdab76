import type { IncomingHttpHeaders } from 'node:http';
import { FlotillaError } from '@flotilla/kit';

/**
 * The header a gateway sets to the verified token's subject on a protected route; it removes any
 * client-sent copy, so behind the gateway its presence means an authenticated end user.
 */
export const SUBJECT_HEADER = 'x-auth-subject';

/** The end user a request acts for, or undefined for a call without one (another service, an operator). */
export function callerOf(request: { readonly headers: IncomingHttpHeaders }): string | undefined {
  const value = request.headers[SUBJECT_HEADER];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** True when `caller` may see or act on the orders of `userId`: no end user, or that very user. */
export function mayAccess(caller: string | undefined, userId: string): boolean {
  return caller === undefined || caller === userId;
}

/** Listing or placing orders for another user than the caller: 403 (no order's existence is involved). */
export function assertMayAccess(caller: string | undefined, userId: string): void {
  if (!mayAccess(caller, userId)) {
    throw new FlotillaError('FORBIDDEN', { detail: 'orders of another user cannot be listed or placed' });
  }
}
