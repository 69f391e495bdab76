import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlotillaError } from '../errors/index.js';
import { retryPolicy } from './retry.js';
import { RetryBudget } from './retry-budget.js';

const fast = { initialDelayMs: 1, maxDelayMs: 5 };

function failing(times: number, code: FlotillaError['code'] = 'UPSTREAM_UNAVAILABLE') {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async call() {
      calls++;
      if (calls <= times) throw new FlotillaError(code);
      return 'ok';
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('retryPolicy', () => {
  it('recovers after 3 failures in 4 calls', async () => {
    const upstream = failing(3);
    await expect(retryPolicy({ maxRetries: 3, ...fast }).execute(() => upstream.call())).resolves.toBe('ok');
    expect(upstream.calls).toBe(4);
  });

  it('gives up after 1 + maxRetries calls with the last error', async () => {
    const upstream = failing(100);
    await expect(
      retryPolicy({ maxRetries: 2, ...fast }).execute(() => upstream.call()),
    ).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(upstream.calls).toBe(3);
  });

  it('never retries an error the catalogue marks not retryable', async () => {
    for (const code of ['VALIDATION_FAILED', 'NOT_FOUND', 'INTERNAL', 'DEADLINE_EXCEEDED'] as const) {
      const upstream = failing(100, code);
      await expect(
        retryPolicy({ maxRetries: 3, ...fast }).execute(() => upstream.call()),
      ).rejects.toMatchObject({
        code,
      });
      expect(upstream.calls).toBe(1);
    }
  });

  it('stops when the budget is spent, and says so', async () => {
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0 });
    budget.deposit();
    budget.deposit();
    const exhausted = vi.fn();
    const upstream = failing(100);
    await expect(
      retryPolicy({ maxRetries: 5, ...fast, budget, onBudgetExhausted: exhausted }).execute(() =>
        upstream.call(),
      ),
    ).rejects.toThrow();
    expect(upstream.calls).toBe(2);
    expect(exhausted).toHaveBeenCalledTimes(1);
  });

  it('waits at least what Retry-After asked', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const run = retryPolicy({ maxRetries: 1, ...fast }).execute(async () => {
      calls++;
      if (calls === 1) throw new FlotillaError('RATE_LIMITED', { retryAfterSeconds: 2 });
      return 'ok';
    });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(run).resolves.toBe('ok');
    expect(calls).toBe(2);
  });

  it('lets the caller veto a retry', async () => {
    const upstream = failing(100);
    await expect(
      retryPolicy({ maxRetries: 3, ...fast, allow: () => false }).execute(() => upstream.call()),
    ).rejects.toThrow();
    expect(upstream.calls).toBe(1);
  });
});
