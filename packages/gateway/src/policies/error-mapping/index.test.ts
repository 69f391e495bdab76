import { FlotillaError } from '@flotilla/kit/errors';
import { createLogger, createMetrics } from '@flotilla/kit/telemetry';
import { BrokenCircuitError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../gateway-metrics.js';
import { testContext } from '../../testing/test-context.js';
import { FailedAnswer } from '../../upstream/forward-request.js';
import { LocalRateLimiter } from '../rate-limit/local-rate-limiter.js';
import { errorMapping } from './index.js';

function mapped(error: unknown) {
  const logged: unknown[] = [];
  const logger = createLogger({ name: 'gateway', level: 'silent' });
  logger.error = ((fields: unknown) => logged.push(fields)) as typeof logger.error;
  const metrics = new GatewayMetrics(createMetrics({ service: 'gateway' }), new LocalRateLimiter());
  const context = testContext();
  const send = errorMapping(metrics, logger)(() => Promise.reject(error));
  return { context, logged, status: send(context) };
}

describe('error mapping', () => {
  it('answers an open breaker with 503 CIRCUIT_OPEN naming the upstream', async () => {
    const { context, status, logged } = mapped(new BrokenCircuitError());
    expect(await status).toBe(503);
    expect(context.response.getHeader('retry-after')).toBe('1');
    expect(logged).toEqual([]);
  });

  it('answers with the FlotillaError the call threw, with the request id', async () => {
    const { context, status } = mapped(new FlotillaError('UPSTREAM_TIMEOUT'));
    expect(await status).toBe(504);
    expect(context.response.getHeader('x-request-id')).toBe(context.requestId);
  });

  it('answers an upstream 502/503/504 with its status: it is relayed already', async () => {
    const { context, status } = mapped(new FailedAnswer(503));
    expect(await status).toBe(503);
    expect(context.response.headersSent).toBe(false);
  });

  it('logs anything else and answers 502', async () => {
    const { status, logged } = mapped(new TypeError('a bug'));
    expect(await status).toBe(502);
    expect(logged).toEqual([expect.objectContaining({ upstream: 'users' })]);
  });
});
