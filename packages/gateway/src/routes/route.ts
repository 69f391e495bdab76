/** How a route counts requests against its limit. */
export type RateLimitKey = 'ip' | 'subject' | 'api-key';

export interface RateLimitPolicy {
  /** Sustained rate: `limit` requests per `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** Requests a client may send at once after being idle; defaults to `limit`. */
  readonly burst: number;
  /** `subject` falls back to the client IP on requests without a verified token. */
  readonly key: RateLimitKey;
}

/** One public path prefix routed to one upstream service. */
export interface Route {
  /** Public prefix, e.g. `/api/users`; no trailing slash. */
  readonly prefix: string;
  /** The upstream service's registry name. */
  readonly service: string;
  /**
   * What replaces `prefix` on the way upstream; `''` strips it whole. By default the prefix's last
   * segment, so `GET /api/users/1` reaches users as `GET /users/1`.
   */
  readonly upstreamPrefix: string;
  readonly auth: 'public' | 'protected';
  readonly timeoutMs: number;
  readonly bodyLimit: number;
  /** Extra attempts on other instances for idempotent requests refused before any answer. */
  readonly retries: number;
  /** `undefined`: no limit on this route. */
  readonly rateLimit: RateLimitPolicy | undefined;
}

/**
 * Where routes come from: the config file, the registry's `route-prefix` metadata, or both. The
 * gateway rebuilds its route table whenever a source reports a change.
 */
export interface RouteSource {
  routes(): readonly Route[];
  /** Calls `listener` after each change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}
