import { FlotillaError } from '@flotilla/kit/errors';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../testing/test-context.js';
import { FailedAnswer } from '../../upstream/forward-request.js';
import type { Send } from '../policy.js';
import { breaker } from './index.js';

function counting(outcome: () => Promise<number>) {
  const calls = { count: 0 };
  const send: Send = () => {
    calls.count++;
    return outcome();
  };
  return { send, calls };
}

describe('breaker', () => {
  it('opens after consecutive 502/503/504 answers', async () => {
    const changes: [string, boolean][] = [];
    const { send, calls } = counting(() => Promise.reject(new FailedAnswer(503)));
    const guarded = breaker({ threshold: 2, halfOpenAfterMs: 60_000 }, (service, open) =>
      changes.push([service, open]),
    )(send);
    await expect(guarded(testContext())).rejects.toBeInstanceOf(FailedAnswer);
    await expect(guarded(testContext())).rejects.toBeInstanceOf(FailedAnswer);
    await expect(guarded(testContext())).rejects.toThrow(/circuit/i);
    expect(calls.count).toBe(2);
    expect(changes).toEqual([['users', true]]);
  });

  it("keeps one breaker per service and ignores a client's own mistake", async () => {
    const tooLarge = counting(() => Promise.reject(new FlotillaError('PAYLOAD_TOO_LARGE')));
    const guarded = breaker({ threshold: 1, halfOpenAfterMs: 60_000 }, () => {})(tooLarge.send);
    for (let index = 0; index < 3; index++) {
      await expect(guarded(testContext())).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    }
    expect(tooLarge.calls.count).toBe(3);
  });
});
