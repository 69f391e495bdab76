/**
 * Registry metadata keys every Flotilla service sets on its registration. Consul allows letters,
 * digits, `-` and `_` in keys, at most 64 characters.
 */
export const META_VERSION = 'version';
/** The public path prefix the gateway routes to this service, e.g. `/api/users`. */
export const META_ROUTE_PREFIX = 'route-prefix';
