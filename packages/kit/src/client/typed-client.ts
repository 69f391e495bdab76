import { type TSchema, Type } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { FlotillaError } from '../errors/index.js';
import { schemaCheck, schemaErrors } from '../http/schema-check.js';
import type { Fallback } from '../resilience/index.js';
import type {
  Contract,
  HttpMethod,
  RequestOf,
  ResponseOf,
  RouteKey,
  RouteSchema,
  RouteTable,
} from './contract.js';
import type { CallOptions, ServiceClient } from './create-service-client.js';

type PathsOf<Routes extends RouteTable, Method extends HttpMethod> = {
  [Key in keyof Routes]: Key extends `${Method} ${infer Path}` ? Path : never;
}[keyof Routes];

type RouteAt<Routes extends RouteTable, Method extends HttpMethod, Path> = Extract<
  Routes[`${Method} ${Path & string}` & keyof Routes],
  RouteSchema
>;

/** The options of a typed call: what the route requires, and the service client's call options. */
export type TypedCallOptions<Route extends RouteSchema> = RequestOf<Route> & CallOptions<ResponseOf<Route>>;

// The options may be left out when the route requires nothing.
type OptionsArgument<Route extends RouteSchema> =
  object extends RequestOf<Route> ? [options?: TypedCallOptions<Route>] : [options: TypedCallOptions<Route>];

/** A call by path template, e.g. `'/users/:id'`, typed by the contract's route of that method. */
export type TypedCall<Routes extends RouteTable, Method extends HttpMethod> = <
  Path extends PathsOf<Routes, Method>,
>(
  path: Path,
  ...options: OptionsArgument<RouteAt<Routes, Method, Path>>
) => Promise<ResponseOf<RouteAt<Routes, Method, Path>>>;

/** A service client whose calls are checked against the target's contract. */
export interface TypedClient<C extends Contract> {
  /** The called service's name, from its contract. */
  readonly target: string;
  /** GET one of the contract's `GET` routes. */
  readonly get: TypedCall<C['routes'], 'GET'>;
  /** POST to one of the contract's `POST` routes. */
  readonly post: TypedCall<C['routes'], 'POST'>;
  /** PUT to one of the contract's `PUT` routes. */
  readonly put: TypedCall<C['routes'], 'PUT'>;
  /** PATCH one of the contract's `PATCH` routes. */
  readonly patch: TypedCall<C['routes'], 'PATCH'>;
  /** DELETE one of the contract's `DELETE` routes. */
  readonly delete: TypedCall<C['routes'], 'DELETE'>;
}

/** How a typed client treats answers. */
export interface TypedClientOptions {
  /**
   * Check each answer against the contract, rejecting one that breaks it with BAD_GATEWAY. Costs a
   * schema check per call: services turn it on outside production (`NODE_ENV`). Default true.
   */
  readonly validateResponses?: boolean;
}

/**
 * The client of a service that publishes a contract: path, params, query, body and answer are
 * checked at compile time, and the answer at run time too when `validateResponses` is on. Calls go
 * through `client`, with its discovery, resilience and tracing. In a service, `context.client(contract)`
 * returns one.
 *
 * @example
 * ```ts
 * const users = typedClient(usersApi, clients.get('users'));
 * const user = await users.get('/users/:id', { params: { id }, deadline: request.deadline });
 * user.email; // string
 * ```
 */
export function typedClient<C extends Contract>(
  contract: C,
  client: ServiceClient,
  options: TypedClientOptions = {},
): TypedClient<C> {
  const validate = options.validateResponses ?? true;

  const call =
    (method: HttpMethod) =>
    async (path: string, request: UncheckedCall = {}): Promise<unknown> => {
      const key = `${method} ${path}` as RouteKey;
      const route = contract.routes[key];
      if (!route) throw new TypeError(`the contract of ${contract.service} has no route ${key}`);
      const { params, query, body, fallback, ...rest } = request;
      let fellBack = false;
      const answer = await client.request(method, target(path, params, query), {
        ...rest,
        body,
        ...(fallback ? { fallback: markFallback(fallback, () => (fellBack = true)) } : {}),
      });
      // A fallback's value is the caller's own, not the upstream's answer: only the latter is checked.
      if (validate && !fellBack) checkAnswer(contract.service, key, route, answer);
      return answer;
    };

  return {
    target: client.target,
    get: call('GET'),
    post: call('POST'),
    put: call('PUT'),
    patch: call('PATCH'),
    delete: call('DELETE'),
  } as TypedClient<C>;
}

// What the typed signatures let through, as the implementation sees it.
interface UncheckedCall extends CallOptions<unknown> {
  readonly params?: object;
  readonly query?: object;
  readonly body?: unknown;
}

function markFallback<T>(fallback: Fallback<T>, mark: () => void): Fallback<T> {
  return (error) => {
    mark();
    return fallback(error);
  };
}

/** `'/users/:id'` with `{ id: 'a b' }` → `/users/a%20b`, then the query string. */
function target(path: string, params: object | undefined, query: object | undefined): string {
  const values = (params ?? {}) as Record<string, unknown>;
  const filled = path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) =>
    encodeURIComponent(String(values[name])),
  );
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) search.append(name, String(item));
    }
  }
  return search.size === 0 ? filled : `${filled}?${search}`;
}

// Compiled once per route: the union of its 2xx answers, or nothing to check when it declares none.
const answerChecks = new WeakMap<RouteSchema, TypeCheck<TSchema> | null>();

function checkAnswer(service: string, key: string, route: RouteSchema, answer: unknown): void {
  let check = answerChecks.get(route);
  if (check === undefined) {
    const success = Object.entries(route.response ?? {})
      .filter(([status]) => Number(status) >= 200 && Number(status) < 300)
      .map(([, schema]) => schema);
    check =
      success.length === 0 ? null : schemaCheck(success.length === 1 ? success[0]! : Type.Union(success));
    answerChecks.set(route, check);
  }
  const errors = check === null ? undefined : schemaErrors(check, answer);
  if (errors) {
    throw new FlotillaError('BAD_GATEWAY', {
      detail: `${service} answered ${key} with a body its contract does not allow: ${errors}`,
      extensions: { upstream: service },
    });
  }
}
