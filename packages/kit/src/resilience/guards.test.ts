import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { FlotillaError } from '../errors/index.js';
import { bulkheadPolicy } from './bulkhead.js';
import { withFallback } from './fallback.js';
import { toPolicyError } from './policy-error.js';
import { timeoutPolicy } from './timeout.js';

describe('bulkhead', () => {
  it('runs maxConcurrent, queues maxQueue, rejects the rest at once', async () => {
    const bulkhead = bulkheadPolicy({ maxConcurrent: 2, maxQueue: 1 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: number[] = [];
    const calls = [1, 2, 3].map((n) =>
      bulkhead.execute(async () => {
        started.push(n);
        await gate;
        return n;
      }),
    );
    await expect(bulkhead.execute(async () => 4)).rejects.toBeInstanceOf(BulkheadRejectedError);
    expect(started).toEqual([1, 2]);
    release();
    await expect(Promise.all(calls)).resolves.toEqual([1, 2, 3]);
  });
});

describe('timeout', () => {
  it('gives up even when the work ignores its signal, and aborts the signal', async () => {
    let aborted = false;
    const never = timeoutPolicy(20).execute(
      ({ signal }) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    );
    await expect(never).rejects.toBeInstanceOf(TaskCancelledError);
    expect(aborted).toBe(true);
  });
});

describe('withFallback', () => {
  const hook = async (error: FlotillaError) => `fallback for ${error.code}`;

  it('answers from the hook on upstream failures and open breakers', async () => {
    await expect(withFallback(() => Promise.reject(new FlotillaError('CIRCUIT_OPEN')), hook)).resolves.toBe(
      'fallback for CIRCUIT_OPEN',
    );
    await expect(
      withFallback(() => Promise.reject(new FlotillaError('UPSTREAM_TIMEOUT')), hook),
    ).resolves.toBe('fallback for UPSTREAM_TIMEOUT');
  });

  it('leaves 4xx answers alone', async () => {
    await expect(
      withFallback(() => Promise.reject(new FlotillaError('NOT_FOUND')), hook),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('toPolicyError', () => {
  it('maps cockatiel rejections to catalogue codes naming the upstream', () => {
    const context = { target: 'users', breakerRetryAfterSeconds: () => 4 };
    expect(toPolicyError(new BrokenCircuitError(), context)).toMatchObject({
      code: 'CIRCUIT_OPEN',
      retryAfterSeconds: 4,
      extensions: { upstream: 'users' },
    });
    expect(toPolicyError(new BulkheadRejectedError(1, 1), context)).toMatchObject({ code: 'BULKHEAD_FULL' });
    expect(toPolicyError(new TaskCancelledError(), context)).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    const other = new Error('x');
    expect(toPolicyError(other, context)).toBe(other);
  });
});
