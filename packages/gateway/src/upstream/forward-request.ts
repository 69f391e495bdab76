import type { ServerResponse } from 'node:http';
import { CONNECTION_ERRORS } from '@flotilla/kit/client';
import type { LoadBalancer } from '@flotilla/kit/discovery';
import { FlotillaError } from '@flotilla/kit/errors';
import type { Dispatcher } from 'undici';
import type { Route } from '../routes/route.js';
import { ResponseRelay } from './response-relay.js';
import type { UpstreamPools } from './upstream-pools.js';

export interface ForwardRequest {
  readonly route: Route;
  readonly method: string;
  /** Upstream path and query. */
  readonly path: string;
  /** End-to-end request headers as a flat name/value list. */
  readonly headers: string[];
  /** Fields the gateway adds to the answer (request id, RateLimit-*), as a flat name/value list. */
  readonly answerHeaders: readonly string[];
  readonly body: Dispatcher.DispatchOptions['body'];
  /** True when the request may be sent again: an idempotent method and no body. */
  readonly replayable: boolean;
  /** Set by the body limiter when the client sent more than the route allows. */
  readonly bodyTooLarge: () => boolean;
}

export interface ForwardResult {
  readonly status: number;
  /** A gateway-class upstream answer (502/503/504): counts against the breaker. */
  readonly failed: boolean;
}

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Sends one request to an instance of the route's service and streams the answer into `response`
 * (no buffering either way). An idempotent, bodiless request refused before any answer is sent
 * again to another instance, up to `route.retries` times; a request with a body, e.g. a POST,
 * never is. Failures before the answer started become problem-mapped FlotillaErrors naming the
 * upstream service; after it started, the client connection is cut (the status is already sent).
 */
export async function forwardRequest(
  request: ForwardRequest,
  response: ServerResponse,
  balancer: LoadBalancer,
  pools: UpstreamPools,
): Promise<ForwardResult> {
  const { route } = request;
  const upstream = { upstream: route.service };
  // Made on the first retry: most requests are answered by the first instance picked.
  let tried: Set<string> | undefined;
  for (let attempt = 0; ; attempt++) {
    const instance = await balancer.pick(route.service, tried);
    if (instance === undefined) {
      throw new FlotillaError('UPSTREAM_UNAVAILABLE', { extensions: upstream, retryAfterSeconds: 1 });
    }
    const tracker = balancer.track(instance);
    const relay = new ResponseRelay(response, request.answerHeaders);
    try {
      const status = await relay.send(pools.of(instance), {
        path: request.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body,
        headersTimeout: route.timeoutMs,
        bodyTimeout: route.timeoutMs,
      });
      tracker.done(status >= 500 ? 'failure' : 'success');
      return { status, failed: status === 502 || status === 503 || status === 504 };
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (request.bodyTooLarge()) {
        tracker.done('success');
        throw new FlotillaError('PAYLOAD_TOO_LARGE', {
          detail: `the body exceeds ${route.bodyLimit} bytes`,
        });
      }
      const { status } = relay;
      if (status !== 0 || response.destroyed) {
        // The answer had started (or the client left): nothing to send, only to cut.
        tracker.done(response.destroyed && status !== 0 ? 'success' : 'failure');
        response.destroy();
        return { status: status || 499, failed: false };
      }
      const refused = CONNECTION_ERRORS.has(code);
      tracker.done(refused ? 'refused' : 'failure');
      if (refused && request.replayable && attempt < route.retries) {
        tried ??= new Set();
        tried.add(instance.id);
        continue;
      }
      if (TIMEOUTS.has(code)) throw new FlotillaError('UPSTREAM_TIMEOUT', { extensions: upstream });
      throw new FlotillaError('BAD_GATEWAY', { extensions: upstream });
    }
  }
}
