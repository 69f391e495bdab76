import { CONNECTION_ERRORS } from '@flotilla/kit/client';
import type { LoadBalancer } from '@flotilla/kit/discovery';
import { FlotillaError } from '@flotilla/kit/errors';
import type { Dispatcher } from 'undici';
import type { Send } from '../policies/policy.js';
import { upstreamPath } from '../routes/route-table.js';
import { ResponseRelay } from './response-relay.js';
import type { UpstreamPools } from './upstream-pools.js';

/**
 * An upstream's 502, 503 or 504, relayed to the client already: thrown, not returned, so that the
 * breaker counts it as a failure (the kit's breaker counts what is thrown); the error mapping turns
 * it back into its status. Not an Error: nothing reads a stack of it.
 */
export class FailedAnswer {
  constructor(readonly status: number) {}
}

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * One try: sends the request to an instance of the route's service and streams the answer into the
 * response (no buffering either way). Failures before the answer started become problem-mapped
 * FlotillaErrors naming the upstream service; a connection refused before any answer is a
 * `BAD_GATEWAY` whose cause is the refusal, which the retry policy may send elsewhere. After the
 * answer started, the client connection is cut (the status is already sent).
 */
export function forwardRequest(balancer: LoadBalancer, pools: UpstreamPools): Send {
  return async (context) => {
    const { route, response } = context;
    const instance = await balancer.pick(route.service, context.tried);
    if (instance === undefined) {
      throw new FlotillaError('UPSTREAM_UNAVAILABLE', {
        extensions: { upstream: route.service },
        retryAfterSeconds: 1,
      });
    }
    const tracker = balancer.track(instance);
    const relay = new ResponseRelay(response, context.answerHeaders);
    let status: number;
    try {
      status = await relay.send(pools.of(instance), {
        path: upstreamPath(route, context.path, context.query),
        method: context.method as Dispatcher.HttpMethod,
        headers: context.upstreamHeaders,
        body: context.body,
        headersTimeout: route.timeoutMs,
        bodyTimeout: route.timeoutMs,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (context.bodyTooLarge()) {
        tracker.done('success');
        throw new FlotillaError('PAYLOAD_TOO_LARGE', {
          detail: `the body exceeds ${route.bodyLimit} bytes`,
        });
      }
      if (relay.status !== 0 || response.destroyed) {
        // The answer had started (or the client left): nothing to send, only to cut.
        tracker.done(response.destroyed && relay.status !== 0 ? 'success' : 'failure');
        response.destroy();
        return relay.status || 499;
      }
      const extensions = { upstream: route.service };
      if (CONNECTION_ERRORS.has(code)) {
        tracker.done('refused');
        context.tried ??= new Set();
        context.tried.add(instance.id);
        throw new FlotillaError('BAD_GATEWAY', { extensions, cause: error });
      }
      tracker.done('failure');
      if (TIMEOUTS.has(code)) throw new FlotillaError('UPSTREAM_TIMEOUT', { extensions });
      throw new FlotillaError('BAD_GATEWAY', { extensions });
    }
    // A 503 with Retry-After is an upstream shedding load on purpose and saying when to come back:
    // relayed as it is, not counted against its breaker nor tried again. Counted, a burst of shed
    // requests would open the breaker and turn away every request to that service for its cool-off.
    if (status === 503 && relay.retryAfter) {
      tracker.done('success');
      return status;
    }
    tracker.done(status >= 500 ? 'failure' : 'success');
    if (status === 502 || status === 503 || status === 504) throw new FailedAnswer(status);
    return status;
  };
}
