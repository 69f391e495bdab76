import { extractTraceContext, markFailed, type Tracing } from '@flotilla/kit/telemetry';
import { type Attributes, type Span, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { RequestContext } from '../request-context.js';

// `peer.service` (the upstream's logical name) is only in the incubating semantic conventions.
const ATTR_PEER_SERVICE = 'peer.service';

/**
 * The gateway's SERVER span for one routed request. Only made when tracing is on, so the untraced
 * hot path allocates nothing for it.
 */
export class RequestSpan {
  #failed = false;

  constructor(readonly span: Span) {}

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  /** The trace is sampled: exported whole, so a developer may open it. */
  get sampled(): boolean {
    return (this.span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
  }

  /** The upstream could not answer (refused, timed out, breaker open): the span failed with `error`. */
  fail(error: unknown, type: string): void {
    markFailed(this.span, error);
    this.span.setAttribute(ATTR_ERROR_TYPE, type);
    this.#failed = true;
  }

  /** Semantic conventions: for a server span only a 5xx is an error; a 4xx is the client's. */
  finish(status: number): void {
    this.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500 && !this.#failed) {
      this.span.setAttribute(ATTR_ERROR_TYPE, String(status));
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
}

/**
 * Runs `handle` inside a SERVER span named `<METHOD> <route prefix>` (just `<METHOD>` when no route
 * matched), the span and its trace id put on the context. A valid incoming `traceparent` is
 * continued; a missing, malformed or all-zero one starts a new trace. `handle` returns the status.
 */
export function traceRequest(
  tracing: Tracing,
  context: RequestContext,
  handle: (context: RequestContext) => Promise<number>,
): Promise<number> {
  const { request, route } = context;
  const method = context.methodLabel;
  const userAgent = request.headers['user-agent'];
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_PATH]: context.path,
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
    [ATTR_CLIENT_ADDRESS]: context.client,
  };
  if (request.socket.localPort) attributes[ATTR_SERVER_PORT] = request.socket.localPort;
  if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  if (route !== undefined) {
    attributes[ATTR_HTTP_ROUTE] = route.prefix;
    attributes[ATTR_PEER_SERVICE] = route.service;
  }
  return tracing.withSpan(
    route === undefined ? method : `${method} ${route.prefix}`,
    { kind: SpanKind.SERVER, parent: extractTraceContext(request.headers), attributes },
    async (span) => {
      const requestSpan = new RequestSpan(span);
      context.span = requestSpan;
      context.traceId = requestSpan.traceId;
      const status = await handle(context);
      requestSpan.finish(status);
      return status;
    },
  );
}
