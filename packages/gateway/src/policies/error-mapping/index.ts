import { FlotillaError } from '@flotilla/kit/errors';
import { toPolicyError } from '@flotilla/kit/resilience';
import type { Logger } from '@flotilla/kit/telemetry';
import type { GatewayMetrics } from '../../gateway-metrics.js';
import type { RoutedRequest } from '../../request-context.js';
import { FailedAnswer } from '../../upstream/forward-request.js';
import type { Wrapper } from '../policy.js';

/**
 * The outermost policy around the upstream call: it times the call and turns a failure into the
 * answer's status. An upstream's 502/503/504 was relayed already; any other failure is answered
 * with a problem naming the upstream: `503 CIRCUIT_OPEN` for an open breaker, the FlotillaError the
 * call threw, or `502 BAD_GATEWAY` for anything else, which is logged since nothing expected it.
 */
export function errorMapping(metrics: GatewayMetrics, logger: Logger): Wrapper {
  return (next) => async (context) => {
    const started = performance.now();
    let status: number;
    try {
      status = await next(context);
    } catch (error) {
      status = error instanceof FailedAnswer ? error.status : answerFailure(context, error, logger);
    }
    metrics.upstream(context.route.service, status, (performance.now() - started) / 1000);
    return status;
  };
}

function answerFailure(context: RoutedRequest, error: unknown, logger: Logger): number {
  const { service } = context.route;
  // A body cut at the limit leaves the rest of it unread on the connection.
  if (context.bodyTooLarge()) context.response.shouldKeepAlive = false;
  const mapped = toPolicyError(error, { target: service });
  let problem: FlotillaError;
  if (mapped instanceof FlotillaError) problem = mapped;
  else {
    logger.error({ err: error, upstream: service }, 'forwarding failed');
    problem = new FlotillaError('BAD_GATEWAY', { extensions: { upstream: service } });
  }
  context.span?.fail(error, problem.code);
  return context.refuse(problem);
}
