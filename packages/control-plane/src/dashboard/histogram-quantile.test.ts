import { describe, expect, it } from 'vitest';
import { histogramQuantile } from './histogram-quantile.js';

describe('histogramQuantile', () => {
  it('interpolates inside the bucket the rank falls into', () => {
    // 100 observations: 50 ≤ 0.1 s, 90 ≤ 0.5 s, 100 ≤ 1 s. The 95th is halfway through (0.5, 1].
    const buckets = new Map([
      [0.1, 50],
      [0.5, 90],
      [1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.75);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05);
  });

  it('answers the highest finite bound when the rank is in +Inf, and undefined when empty', () => {
    const slow = new Map([
      [0.1, 1],
      [1, 2],
      [Number.POSITIVE_INFINITY, 10],
    ]);
    expect(histogramQuantile(0.95, slow)).toBe(1);
    expect(histogramQuantile(0.95, new Map([[Number.POSITIVE_INFINITY, 0]]))).toBeUndefined();
    expect(histogramQuantile(0.95, new Map())).toBeUndefined();
  });
});
