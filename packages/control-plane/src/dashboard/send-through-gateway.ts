import { randomBytes } from 'node:crypto';
import { FlotillaError } from '@flotilla/kit/errors';

export const EXPLORER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** A request the explorer asks the control plane to send through the gateway. */
export interface ExplorerRequest {
  readonly method: (typeof EXPLORER_METHODS)[number];
  /** Path and query as the gateway serves them, e.g. `/api/users?limit=5`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body as text (JSON for the explorer's forms); ignored for GET and HEAD. */
  readonly body?: string;
}

/** The gateway's answer as the explorer shows it. */
export interface ExplorerAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body was longer than the control plane relays, and cut. */
  readonly truncated: boolean;
  /** From sending the request to the end of the answer's body, measured by the control plane. */
  readonly durationMs: number;
  /** The trace the request is in: the caller's `traceparent`, else one started for it. */
  readonly traceId: string;
  readonly gateway: string;
}

export interface SendOptions {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /** Answers above this many characters are cut. */
  readonly maxBodyChars: number;
}

/** Set by fetch itself or meaningless on a new connection. */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * Sends one request to the gateway at `gateway` and relays its answer whatever its status: the
 * explorer shows a 4xx or 5xx as the client would get it. Only a gateway that cannot be reached or
 * does not answer in time is an error of the control plane's own (502, 504). The request carries a
 * sampled `traceparent` so that its trace can be opened from the answer.
 */
export async function sendThroughGateway(
  gateway: string,
  request: ExplorerRequest,
  options: SendOptions,
): Promise<ExplorerAnswer> {
  const url = new URL(request.path, gateway);
  // A path like `//elsewhere/` or `http://…` would leave the gateway.
  if (url.origin !== new URL(gateway).origin || !request.path.startsWith('/')) {
    throw new FlotillaError('BAD_REQUEST', { detail: 'path must be a path on the gateway, starting with /' });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!DROPPED_HEADERS.has(name.toLowerCase())) headers.set(name, value);
  }
  const given = TRACEPARENT.exec(headers.get('traceparent') ?? '');
  const traceId = given?.[1] ?? randomBytes(16).toString('hex');
  if (!given) headers.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
  const hasBody =
    request.body !== undefined && request.body !== '' && !['GET', 'HEAD'].includes(request.method);
  if (hasBody && !headers.has('content-type')) headers.set('content-type', 'application/json');

  const extensions = { upstream: 'gateway' };
  const started = performance.now();
  let status: number;
  let answerHeaders: Record<string, string>;
  let text: string;
  try {
    const response = await options.fetch(url, {
      method: request.method,
      headers,
      ...(hasBody ? { body: request.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.status;
    answerHeaders = Object.fromEntries(response.headers);
    text = await response.text();
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new FlotillaError(timedOut ? 'UPSTREAM_TIMEOUT' : 'BAD_GATEWAY', { extensions, cause: error });
  }
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  const truncated = text.length > options.maxBodyChars;
  return {
    status,
    headers: answerHeaders,
    body: truncated ? text.slice(0, options.maxBodyChars) : text,
    truncated,
    durationMs,
    traceId,
    gateway,
  };
}
