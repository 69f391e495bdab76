import { type Static, Type } from '@sinclair/typebox';
import type { RateLimitKey } from './route.js';

const Duration = Type.Union([
  Type.Integer({ minimum: 1 }),
  Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$' }),
]);

const RateLimitDefinition = Type.Object(
  {
    limit: Type.Integer({ minimum: 1 }),
    window: Duration,
    burst: Type.Optional(Type.Integer({ minimum: 1 })),
    key: Type.Optional(
      Type.Union([Type.Literal('ip'), Type.Literal('subject'), Type.Literal('api-key')] as const),
    ),
  },
  { additionalProperties: false },
);

/** A prefix of path segments: no dots, no encodings, no trailing slash. */
const PREFIX_PATTERN = '^(/[A-Za-z0-9_~-]+)+$';

export const RouteDefinition = Type.Object(
  {
    prefix: Type.String({ pattern: PREFIX_PATTERN }),
    service: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' }),
    upstreamPrefix: Type.Optional(Type.Union([Type.Literal(''), Type.String({ pattern: PREFIX_PATTERN })])),
    auth: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('protected')])),
    timeout: Type.Optional(Duration),
    bodyLimit: Type.Optional(Type.Integer({ minimum: 0 })),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
    rateLimit: Type.Optional(Type.Union([RateLimitDefinition, Type.Literal(false)])),
  },
  { additionalProperties: false },
);

export const RoutesFile = Type.Object(
  { routes: Type.Array(RouteDefinition) },
  { additionalProperties: false },
);

export type RouteDefinition = Static<typeof RouteDefinition>;
export type RoutesFile = Static<typeof RoutesFile>;
export type { RateLimitKey };
