import type { Route, RouteSource } from './route.js';

/** Several sources as one; for a prefix defined twice, the earlier source wins (the file first). */
export function combineRouteSources(...sources: readonly RouteSource[]): RouteSource {
  return {
    routes() {
      const byPrefix = new Map<string, Route>();
      for (const source of sources) {
        for (const route of source.routes())
          if (!byPrefix.has(route.prefix)) byPrefix.set(route.prefix, route);
      }
      return [...byPrefix.values()];
    },
    subscribe(listener) {
      const unsubscribes = sources.map((source) => source.subscribe(listener));
      return () => {
        for (const unsubscribe of unsubscribes) unsubscribe();
      };
    },
  };
}
