import type { IncomingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies still meet. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The field names a `Connection` header lists, lower-cased; `undefined` when it lists none. */
export function connectionListed(connection: string | string[] | undefined): ReadonlySet<string> | undefined {
  if (connection === undefined) return undefined;
  const text = Array.isArray(connection) ? connection.join(',') : connection;
  // The usual `keep-alive` / `close` names nothing else: no split, no set.
  if (!text.includes(',')) {
    const only = text.trim().toLowerCase();
    if (only === '' || only === 'close' || only === 'keep-alive') return undefined;
  }
  const names = text
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'close' && name !== 'keep-alive');
  return names.length === 0 ? undefined : new Set(names);
}

/** True for a lower-cased field name that must not cross the gateway (hop-by-hop or `Connection`-listed). */
export function isHopByHop(name: string, listed: ReadonlySet<string> | undefined): boolean {
  return HOP_BY_HOP.has(name) || listed?.has(name) === true;
}

/**
 * `headers` as a flat name/value list (what undici and `writeHead` take without another copy),
 * without hop-by-hop fields, fields named in `Connection` (so `Connection: X-Internal-Auth` cannot
 * strip or smuggle a header past the gateway), and `drop`.
 */
export function endToEndHeaders(headers: IncomingHttpHeaders, drop: ReadonlySet<string>): string[] {
  const listed = connectionListed(headers.connection);
  const out: string[] = [];
  for (const name in headers) {
    if (drop.has(name) || isHopByHop(name, listed)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const item of value) out.push(name, item);
  }
  return out;
}
