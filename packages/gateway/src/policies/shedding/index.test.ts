import { createMetrics } from '@flotilla/kit/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../gateway-metrics.js';
import { testContext } from '../../testing/test-context.js';
import { LocalRateLimiter } from '../rate-limit/local-rate-limiter.js';
import { LoadShedder, shedding } from './index.js';

const shedders: LoadShedder[] = [];
afterEach(() => {
  for (const shedder of shedders.splice(0)) shedder.close();
});

describe('shedding', () => {
  it('passes requests until the in-flight limit, then refuses with 503 and closes the connection', () => {
    const shedder = new LoadShedder({ maxLagMs: 1_000, maxInFlight: 2 });
    shedders.push(shedder);
    const guard = shedding(
      shedder,
      new GatewayMetrics(createMetrics({ service: 'gateway' }), new LocalRateLimiter()),
    );
    shedder.inFlight = 1;
    expect(guard(testContext())).toBeUndefined();
    shedder.inFlight = 2;
    const context = testContext();
    expect(guard(context)).toMatchObject({ code: 'OVERLOADED', status: 503, retryAfterSeconds: 1 });
    expect(context.response.shouldKeepAlive).toBe(false);
  });
});
