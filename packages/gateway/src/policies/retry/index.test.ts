import { FlotillaError } from '@flotilla/kit/errors';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../testing/test-context.js';
import { testRoute } from '../../testing/test-gateway.js';
import type { Send } from '../policy.js';
import { retry } from './index.js';

const refusal = () =>
  new FlotillaError('BAD_GATEWAY', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });

/** Fails with the given errors in turn, then answers 200. */
function failing(...errors: FlotillaError[]) {
  const calls = { count: 0 };
  const send: Send = async () => {
    const error = errors[calls.count++];
    if (error !== undefined) throw error;
    return 200;
  };
  return { send, calls };
}

const route = testRoute({ prefix: '/api/users', service: 'users', retries: 2 });

describe('retry', () => {
  it('sends a refused GET again, up to the route’s retries', async () => {
    const twice = failing(refusal(), refusal());
    expect(await retry()(twice.send)(testContext({ route }))).toBe(200);
    expect(twice.calls.count).toBe(3);
    const always = failing(refusal(), refusal(), refusal());
    await expect(retry()(always.send)(testContext({ route }))).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    expect(always.calls.count).toBe(3);
  });

  it('never sends a request with a body twice, nor one that failed after reaching a service', async () => {
    const post = failing(refusal());
    const withBody = testContext({ route, method: 'POST' });
    withBody.body = withBody.request;
    await expect(retry()(post.send)(withBody)).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    const timeout = failing(new FlotillaError('UPSTREAM_TIMEOUT'));
    await expect(retry()(timeout.send)(testContext({ route }))).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
    });
    expect(post.calls.count + timeout.calls.count).toBe(2);
  });

  it('stops at a failure other than a refusal on a later try', async () => {
    const { send, calls } = failing(refusal(), new FlotillaError('UPSTREAM_UNAVAILABLE'));
    await expect(retry()(send)(testContext({ route }))).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(calls.count).toBe(2);
  });
});
