import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies still meet. */
const HOP_BY_HOP = new Set([
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

/** The field names a `Connection` header lists, lower-cased; empty when it lists none. */
function connectionListed(
  connection: string | string[] | number | undefined,
): ReadonlySet<string> | undefined {
  if (connection === undefined || typeof connection === 'number') return undefined;
  const text = Array.isArray(connection) ? connection.join(',') : connection;
  const names = text
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'close' && name !== 'keep-alive');
  return names.length === 0 ? undefined : new Set(names);
}

/**
 * Copies `headers` without hop-by-hop fields, fields named in `Connection` (so
 * `Connection: X-Internal-Auth` cannot strip or smuggle a header past the gateway), and `drop`.
 */
export function endToEndHeaders(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
  drop: ReadonlySet<string>,
): Record<string, string | string[]> {
  const listed = connectionListed(headers.connection as string | string[] | undefined);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || drop.has(name) || listed?.has(name)) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = typeof value === 'number' ? String(value) : value;
  }
  return out;
}
