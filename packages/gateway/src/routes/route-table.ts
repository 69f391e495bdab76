import type { Route } from './route.js';

/**
 * Longest-prefix match on whole segments: `/api/users` matches `/api/users` and `/api/users/1`,
 * never `/api/usersX`. Expects a path already checked by `checkPath`.
 */
export class RouteTable {
  readonly #routes: readonly Route[];

  constructor(routes: readonly Route[]) {
    this.#routes = [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  get routes(): readonly Route[] {
    return this.#routes;
  }

  match(path: string): Route | undefined {
    for (const route of this.#routes) {
      const { prefix } = route;
      if (
        path.startsWith(prefix) &&
        (path.length === prefix.length || path.charCodeAt(prefix.length) === 47)
      ) {
        return route;
      }
    }
    return undefined;
  }
}

/** The path the upstream sees: the public prefix replaced by the route's upstream prefix. */
export function upstreamPath(route: Route, path: string, query: string): string {
  const rest = path.slice(route.prefix.length);
  const rewritten = route.upstreamPrefix + rest;
  return (rewritten === '' ? '/' : rewritten) + query;
}
