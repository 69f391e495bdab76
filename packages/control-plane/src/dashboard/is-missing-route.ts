import { FlotillaError } from '@flotilla/kit/errors';

/**
 * Whether an instance answered that it has no such route: the kit, the gateway and the Go, Python
 * and Rust examples all say `ROUTE_NOT_FOUND`. `NOT_FOUND` is a route's own answer (no such
 * resource), so it is not taken for a missing route.
 */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof FlotillaError && error.code === 'ROUTE_NOT_FOUND';
}
