import type { Route } from './route.js';
import type { RouteDefaults } from './route-defaults.js';
import type { RouteDefinition } from './route-definitions.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

function durationMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value)!;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A validated definition with every default filled in. */
export function toRoute(definition: RouteDefinition, defaults: RouteDefaults): Route {
  const rateLimit =
    definition.rateLimit === false
      ? undefined
      : definition.rateLimit === undefined
        ? defaults.rateLimit
        : {
            limit: definition.rateLimit.limit,
            windowMs: durationMs(definition.rateLimit.window),
            burst: definition.rateLimit.burst ?? definition.rateLimit.limit,
            key: definition.rateLimit.key ?? 'subject',
          };
  return {
    prefix: definition.prefix,
    service: definition.service,
    upstreamPrefix: definition.upstreamPrefix ?? definition.prefix.slice(definition.prefix.lastIndexOf('/')),
    auth: definition.auth ?? defaults.auth,
    timeoutMs: definition.timeout === undefined ? defaults.timeoutMs : durationMs(definition.timeout),
    bodyLimit: definition.bodyLimit ?? defaults.bodyLimit,
    retries: definition.retries ?? defaults.retries,
    rateLimit,
  };
}
