import type { Static, TObject, TSchema } from '@sinclair/typebox';

/** The methods a contract's routes may use. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A route's key in a contract: its method and its path, with `:name` for a path parameter. */
export type RouteKey = `${HttpMethod} /${string}`;

/** The schemas of one route; the same ones validate its requests where it is served. */
export interface RouteSchema {
  /** One property per `:name` of the path. */
  readonly params?: TObject;
  /** The query string's parameters. */
  readonly query?: TObject;
  /** The request body. */
  readonly body?: TSchema;
  /** Answers by status; the 2xx ones are what a typed call returns. */
  readonly response?: Readonly<Record<number, TSchema>>;
}

/** A service's routes, by key. */
/** A contract's routes, keyed `'<METHOD> <path>'`. */
export type RouteTable = Readonly<Record<RouteKey, RouteSchema>>;

/** What a service publishes about its API: its name (for discovery) and its routes. */
export interface Contract<Routes extends RouteTable = RouteTable> {
  /** The service's name, as its client finds it. */
  readonly service: string;
  /** Its routes and their schemas. */
  readonly routes: Routes;
}

/** `'/users/:id/orders/:orderId'` → `'id' | 'orderId'`. */
export type PathParamNames<Path extends string> = Path extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : Path extends `${string}:${infer Name}`
    ? Name
    : never;

// A path with parameters needs a params schema with each of them; a path without has none.
type ParamsMatchPath<Key> = Key extends `${HttpMethod} ${infer Path}`
  ? [PathParamNames<Path>] extends [never]
    ? { readonly params?: never }
    : { readonly params: { readonly properties: { readonly [Name in PathParamNames<Path>]: TSchema } } }
  : never;

/**
 * Declares a service's routes as data, for its typed client (`typedClient`, or `context.client()`
 * with the contract) and for serving them (`contractRoute`). A path parameter without its schema
 * in `params` does not compile.
 *
 * @example
 * ```ts
 * export const usersApi = defineContract({
 *   service: 'users',
 *   routes: {
 *     'GET /users/:id': { params: Type.Object({ id: UserId }), response: { 200: User } },
 *     'POST /users': { body: CreateUser, response: { 201: User } },
 *   },
 * });
 * ```
 */
export function defineContract<const Routes extends RouteTable>(contract: {
  readonly service: string;
  readonly routes: Routes & { readonly [Key in keyof Routes]: ParamsMatchPath<Key> };
}): Contract<Routes> {
  return contract;
}

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206;

/** What a call of the route resolves to: the body of any of its 2xx answers, `undefined` if none is declared. */
export type ResponseOf<Route extends RouteSchema> = Route extends {
  readonly response: infer Answers extends Readonly<Record<number, TSchema>>;
}
  ? [Answers[keyof Answers & SuccessStatus]] extends [never]
    ? undefined
    : Static<Answers[keyof Answers & SuccessStatus]>
  : undefined;

/** What a call of the route sends: `params`, `query` and `body` as its schemas require. */
export type RequestOf<Route extends RouteSchema> = (Route extends { readonly params: infer P extends TObject }
  ? { readonly params: Static<P> }
  : { readonly params?: never }) &
  (Route extends { readonly query: infer Q extends TObject }
    ? object extends Static<Q>
      ? { readonly query?: Static<Q> }
      : { readonly query: Static<Q> }
    : { readonly query?: never }) &
  (Route extends { readonly body: infer B extends TSchema }
    ? { readonly body: Static<B> }
    : { readonly body?: never });

type ServedSchema<Route extends RouteSchema> = { readonly tags: string[] } & (Route extends {
  readonly params: infer P;
}
  ? { readonly params: P }
  : unknown) &
  (Route extends { readonly query: infer Q } ? { readonly querystring: Q } : unknown) &
  (Route extends { readonly body: infer B } ? { readonly body: B } : unknown) &
  (Route extends { readonly response: infer R } ? { readonly response: R } : unknown);

/** A contract's route as Fastify route options: method, url and the schemas, tagged with the service. */
export interface ServedRoute<Key extends RouteKey, Route extends RouteSchema> {
  /** The route's method. */
  readonly method: Key extends `${infer Method extends HttpMethod} ${string}` ? Method : never;
  /** The route's path. */
  readonly url: Key extends `${HttpMethod} ${infer Path}` ? Path : never;
  /** The route's schemas, which validate what it receives and sends. */
  readonly schema: ServedSchema<Route>;
}

/**
 * The route of `key` as the service serves it, so its path and schemas are written once, in the
 * contract that callers compile against. Spread into `app.route()` with the handler; the request
 * is typed from the schemas as with any route.
 *
 * @example
 * ```ts
 * app.route({
 *   ...contractRoute(usersApi, 'GET /users/:id'),
 *   handler: async (request) => findUser(db, request.params.id),
 * });
 * ```
 */
export function contractRoute<Routes extends RouteTable, Key extends keyof Routes & RouteKey>(
  contract: Contract<Routes>,
  key: Key,
): ServedRoute<Key, Routes[Key]> {
  const route: RouteSchema = contract.routes[key] as Routes[Key];
  const space = key.indexOf(' ');
  return {
    method: key.slice(0, space),
    url: key.slice(space + 1),
    schema: {
      tags: [contract.service],
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { querystring: route.query } : {}),
      ...(route.body ? { body: route.body } : {}),
      ...(route.response ? { response: route.response } : {}),
    },
  } as ServedRoute<Key, Routes[Key]>;
}
