import { describe, expect, it } from 'vitest';
import { FlotillaError } from '../errors/index.js';
import { backoffCeiling, backoffDelay, retryBackoff } from './backoff.js';

const options = { initialDelayMs: 100, maxDelayMs: 1_000 };

describe('backoff', () => {
  it('doubles its ceiling with each attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffCeiling(attempt, options))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('draws each delay from zero up to the ceiling (full jitter)', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(200);
    expect(backoffDelay(3, options, () => 0.999_999)).toBe(399);
  });

  it('waits at least the Retry-After an upstream asked for', () => {
    const first = retryBackoff(options).next({
      attempt: 1,
      result: { error: new FlotillaError('UPSTREAM_UNAVAILABLE', { retryAfterSeconds: 2 }) },
      signal: new AbortController().signal,
    });
    expect(first.duration).toBe(2_000);
  });
});
