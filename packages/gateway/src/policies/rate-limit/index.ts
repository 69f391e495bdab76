import { FlotillaError } from '@flotilla/kit/errors';
import type { GatewayMetrics } from '../../gateway-metrics.js';
import type { RoutedRequest } from '../../request-context.js';
import type { Guard, Verdict } from '../policy.js';
import type { RateLimitDecision } from './gcra.js';
import { pushRateLimitFields } from './rate-limit-fields.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * Counts a request against its route's limit, per client key: the verified subject, the API key or
 * the client address. Every limited answer carries the RateLimit fields; past the limit,
 * `429 RATE_LIMITED` with Retry-After. A local limiter decides without a promise.
 */
export function rateLimit(limiter: RateLimiter, metrics: GatewayMetrics): Guard {
  function decided(context: RoutedRequest, decision: RateLimitDecision): Verdict {
    pushRateLimitFields(context.answerHeaders, decision);
    if (decision.allowed) return undefined;
    metrics.rateLimited(context.route.prefix);
    return new FlotillaError('RATE_LIMITED', { retryAfterSeconds: decision.retryAfterSeconds });
  }

  async function awaited(context: RoutedRequest, taken: Promise<RateLimitDecision>): Promise<Verdict> {
    return decided(context, await taken);
  }

  return (context) => {
    const { route } = context;
    const policy = route.rateLimit;
    if (policy === undefined) return undefined;
    const apiKey = context.request.headers['x-api-key'];
    const key =
      policy.key === 'subject' && context.identity !== undefined
        ? `s:${context.identity.subject}`
        : policy.key === 'api-key' && typeof apiKey === 'string' && apiKey.length <= 256
          ? `k:${apiKey}`
          : `i:${context.client}`;
    const taken = limiter.take(`${route.prefix}|${key}`, policy);
    return taken instanceof Promise ? awaited(context, taken) : decided(context, taken);
  };
}
