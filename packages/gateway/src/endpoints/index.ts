import type { ServerResponse } from 'node:http';
import type { LoadBalancer } from '@flotilla/kit/discovery';
import { FlotillaError } from '@flotilla/kit/errors';
import { type HealthMonitor, healthProbes } from '@flotilla/kit/health';
import type { ServiceMetrics } from '@flotilla/kit/telemetry';
import type { RequestContext } from '../request-context.js';
import type { Route } from '../routes/route.js';
import type { UpstreamPools } from '../upstream/upstream-pools.js';
import { aggregateOpenApi } from './aggregate-openapi.js';
import { DOCS_PAGE } from './docs-page.js';

/** The paths the gateway answers itself, ahead of any route; route sources reserve them. */
export const OWN_PATHS = [
  '/health/live',
  '/health/ready',
  '/health/started',
  '/metrics',
  '/openapi.json',
  '/docs',
] as const;

export type OwnPath = (typeof OWN_PATHS)[number];

/** Answers one of the gateway's own paths; untraced, and past no policy but shedding and the path check. */
export type Endpoint = (context: RequestContext) => Promise<void> | void;

export interface EndpointDependencies {
  readonly health: HealthMonitor;
  readonly metrics: ServiceMetrics;
  /** The routes in force when asked (the table changes with its sources). */
  readonly routes: () => readonly Route[];
  readonly balancer: LoadBalancer;
  readonly pools: UpstreamPools;
  readonly openApiTimeoutMs: number;
}

// A route under one of these first segments would shadow, or be shadowed by, an own path.
const RESERVED_SEGMENTS = new Set(OWN_PATHS.map((path) => path.split('/')[1]));

/** True when a route prefix lies in the gateway's own part of the path space. */
export function isReserved(prefix: string): boolean {
  return RESERVED_SEGMENTS.has(prefix.split('/')[1]);
}

/** The gateway's own endpoints, by path. */
export function ownEndpoints(dependencies: EndpointDependencies): ReadonlyMap<string, Endpoint> {
  const { metrics, balancer, pools, openApiTimeoutMs } = dependencies;
  const probes = healthProbes(dependencies.health);
  const probe =
    (path: keyof typeof probes): Endpoint =>
    async (context) => {
      const answer = await probes[path]();
      if (answer instanceof FlotillaError) context.refuse(answer);
      else json(context.response, answer);
    };
  const endpoints: Record<OwnPath, Endpoint> = {
    '/health/live': probe('/health/live'),
    '/health/ready': probe('/health/ready'),
    '/health/started': probe('/health/started'),
    '/metrics': async ({ response }) => {
      const text = await metrics.registry.metrics();
      response.writeHead(200, { 'content-type': metrics.registry.contentType });
      response.end(text);
    },
    '/openapi.json': async ({ response }) => {
      json(response, await aggregateOpenApi(dependencies.routes(), balancer, pools, openApiTimeoutMs));
    },
    '/docs': ({ response }) => {
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      });
      response.end(DOCS_PAGE);
    },
  };
  return new Map(Object.entries(endpoints));
}

function json(response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  response.end(text);
}
