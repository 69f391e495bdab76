import type { IncomingMessage } from 'node:http';
import { DEADLINE_HEADER, urlHost } from '@flotilla/kit/http';
import { injectTraceContext } from '@flotilla/kit/telemetry';
import type { ClientAddress } from '../../http/client-address.js';
import { endToEndHeaders } from '../../http/hop-by-hop.js';
import type { Guard } from '../policy.js';

/** Headers a client may not set: the gateway sets them itself (identity, forwarding, framing). */
const GATEWAY_SET = new Set([
  'host',
  'x-auth-subject',
  'x-auth-claims',
  'x-request-id',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  // The gateway states the upstream's deadline itself; a client's could only cut its own request to a 504.
  DEADLINE_HEADER,
]);
/** With tracing on, the upstream continues the gateway's span, never a client-sent context. */
const GATEWAY_SET_TRACED = new Set([...GATEWAY_SET, 'traceparent', 'tracestate']);

/**
 * The header fields the upstream receives: the client's end-to-end fields without those the gateway
 * sets, then `X-Forwarded-*` and `Forwarded` (extended only behind a trusted proxy), the request id,
 * the route's deadline, the trace context when traced and the verified identity.
 */
export function upstreamHeaders(addresses: ClientAddress): Guard {
  return (context) => {
    const { request, span, identity, peer } = context;
    const headers = endToEndHeaders(request.headers, span === undefined ? GATEWAY_SET : GATEWAY_SET_TRACED);
    forwardingHeaders(headers, request, peer, addresses.isTrusted(peer));
    headers.push('x-request-id', context.requestId, DEADLINE_HEADER, String(context.route.timeoutMs));
    if (span !== undefined) {
      for (const [name, value] of Object.entries(injectTraceContext({} as Record<string, string>))) {
        headers.push(name, value);
      }
    }
    if (identity !== undefined)
      headers.push('x-auth-subject', identity.subject, 'x-auth-claims', identity.claimsHeader);
    context.upstreamHeaders = headers;
    return undefined;
  };
}

function forwardingHeaders(
  headers: string[],
  request: IncomingMessage,
  peer: string,
  trusted: boolean,
): void {
  const incoming = request.headers;
  const host = (trusted && single(incoming['x-forwarded-host'])) || incoming.host || '';
  const proto = (trusted && single(incoming['x-forwarded-proto'])) || 'http';
  const priorFor = trusted ? incoming['x-forwarded-for'] : undefined;
  const client = peerOf(peer);
  headers.push('x-forwarded-for', priorFor === undefined ? client : `${priorFor}, ${client}`);
  headers.push('x-forwarded-proto', proto);
  if (host !== '') headers.push('x-forwarded-host', host);
  const element = `for=${forwardedNode(client)};proto=${proto}${host === '' ? '' : `;host="${quotable(host)}"`}`;
  const priorForwarded = trusted ? single(incoming.forwarded) : undefined;
  headers.push('forwarded', priorForwarded ? `${priorForwarded}, ${element}` : element);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function peerOf(peer: string): string {
  return peer.startsWith('::ffff:') && peer.includes('.') ? peer.slice(7) : peer;
}

/** `text` fit for an RFC 7239 quoted-string (quotes and backslashes dropped). */
function quotable(text: string): string {
  return text.includes('"') || text.includes('\\') ? text.replace(/["\\]/g, '') : text;
}

/** RFC 7239 node: IPv6 addresses are bracketed and quoted. */
function forwardedNode(address: string): string {
  const host = urlHost(address);
  return host === address ? address : `"${host}"`;
}
