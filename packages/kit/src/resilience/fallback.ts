import { FlotillaError } from '../errors/index.js';
import { isBreakerFailure } from './breaker.js';

/** What to answer instead when a call failed upstream or was not made (breaker open, bulkhead full). */
export type Fallback<T> = (error: FlotillaError) => T | Promise<T>;

/**
 * Runs `call`, and `fallback` with the error when the failure is the upstream's or our own guard's
 * (never for a 4xx: the request itself was wrong). Our own rather than cockatiel's `fallback()`,
 * whose factory is not told which error it replaces, and a typed hook needs it.
 */
export async function withFallback<T>(call: () => Promise<T>, fallback: Fallback<T> | undefined): Promise<T> {
  if (!fallback) return call();
  try {
    return await call();
  } catch (error) {
    if (error instanceof FlotillaError && isBreakerFailure(error)) return fallback(error);
    throw error;
  }
}
