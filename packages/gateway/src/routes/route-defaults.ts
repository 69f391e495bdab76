import type { RateLimitPolicy, Route } from './route.js';

/** What a route gets for every field its definition leaves out (from the gateway's config). */
export interface RouteDefaults {
  readonly auth: Route['auth'];
  readonly timeoutMs: number;
  readonly bodyLimit: number;
  readonly retries: number;
  readonly rateLimit: RateLimitPolicy | undefined;
}
