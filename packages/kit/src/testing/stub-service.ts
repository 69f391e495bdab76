import type { IncomingHttpHeaders } from 'node:http';
import { createHttpServer, type FastifyReply } from '../http/index.js';
import { createLogger } from '../telemetry/index.js';

/** A stub route's key: `'<METHOD> <path>'`, the path as the real service declares it (`/users/:id`). */
export type StubRoute = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

/** The `:segment` names of a route, e.g. `'id'` for `'GET /users/:id'`. */
export type RouteParams<R extends string> = R extends `${string}:${infer Name}/${infer Rest}`
  ? Name | RouteParams<Rest>
  : R extends `${string}:${infer Name}`
    ? Name
    : never;

/** A request as a stub route sees it; `params` are named by the route's `:segments`. */
export interface StubRequest<Params extends string = string> {
  /** `GET`, `POST`, …. */
  readonly method: string;
  /** The path's `:segments`, by name. */
  readonly params: Readonly<Record<Params, string>>;
  /** The query string's parameters. */
  readonly query: Readonly<Record<string, string>>;
  /** The request's headers, as Node gives them (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, if any. */
  readonly body: unknown;
}

/**
 * Answers one route: what it returns is sent as JSON with 200; a thrown `FlotillaError` becomes
 * that error's problem+json; `reply` sets any other status or header.
 */
export type StubHandler<R extends string = string> = (
  request: StubRequest<RouteParams<R>>,
  reply: FastifyReply,
) => unknown;

/** The routes a stub answers, each handler's `params` typed by its key. */
export type StubRoutes<R extends StubRoute> = { readonly [K in R]: StubHandler<K> };

/** A running stub of another service. */
export interface StubService {
  /** Where it listens: give it to `staticBalancer` under the name the service calls. */
  readonly url: string;
  /** Every request received, oldest first, including those no route matched. */
  readonly requests: readonly StubRequest[];
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Stands in for a service this one calls: an HTTP server on a free port answering `routes` the way
 * a Flotilla service does (JSON, problem+json errors). The service under test reaches it through
 * its real `context.client(target)` (discovery, timeouts, retries, breaker) when started with a
 * balancer that names it.
 *
 * @example
 * const users = await stubService({
 *   'GET /users/:id': ({ params }) => ({ id: params.id, email: `${params.id}@example.com` }),
 * });
 * const service = await startService(ordersService, {
 *   environment: {},
 *   database,
 *   balancer: staticBalancer({ users: [users.url] }),
 * });
 * // …call a route of orders that looks the user up…
 * expect(users.requests.map((request) => request.params.id)).toEqual(['u1']);
 * await users.close();
 */
export async function stubService<R extends StubRoute>(routes: StubRoutes<R>): Promise<StubService> {
  const app = await createHttpServer({
    name: 'stub',
    version: '0.0.0',
    logger: createLogger({ name: 'stub', level: 'silent' }),
  });
  const requests: StubRequest[] = [];
  app.addHook('preHandler', async (request) => {
    requests.push(toStubRequest(request));
  });
  for (const [route, handler] of Object.entries(routes) as [string, StubHandler][]) {
    const space = route.indexOf(' ');
    app.route({
      method: route.slice(0, space),
      url: route.slice(space + 1),
      handler: async (request, reply) => handler(toStubRequest(request), reply),
    });
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, requests, close: () => app.close() };
}

function toStubRequest(request: {
  method: string;
  params: unknown;
  query: unknown;
  headers: IncomingHttpHeaders;
  body: unknown;
}): StubRequest {
  return {
    method: request.method,
    params: (request.params ?? {}) as Record<string, string>,
    query: (request.query ?? {}) as Record<string, string>,
    headers: request.headers,
    body: request.body,
  };
}
