import { describe, expect, it } from 'vitest';
import { nextRestart } from './restart-policy.js';

const policy = { initialDelayMs: 100, maxDelayMs: 1_000, maxCrashes: 5, windowMs: 10_000 };

describe('restart backoff', () => {
  it('doubles the delay for rapid crashes, caps it, and gives up at the limit', () => {
    const crashes: number[] = [];
    const delays = [0, 1, 2, 3, 4].map((second) => nextRestart(policy, crashes, second * 1000));
    expect(delays).toEqual([100, 200, 400, 800, undefined]);
    expect(nextRestart({ ...policy, maxCrashes: 20 }, [1, 2, 3, 4, 5, 6], 7)).toBe(1_000);
  });

  it('forgets crashes older than the window', () => {
    const crashes = [0, 1_000, 2_000, 3_000];
    expect(nextRestart(policy, crashes, 60_000)).toBe(100);
    expect(crashes).toEqual([60_000]);
  });
});
