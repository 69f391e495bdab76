import { describe, expect, it } from 'vitest';
import { DEFAULT_KNEE_LIMITS, findKnee, nextRate, whatBroke } from './find-knee.js';
import type { LoadSummary } from './run-load.js';

function summary(
  rate: number,
  figures: { p99?: number; errors?: number; achieved?: number; limited?: number } = {},
): LoadSummary {
  const sent = rate * 10;
  return {
    sent,
    completed: sent,
    elapsedS: 10,
    achievedRate: figures.achieved ?? rate,
    latencyMs: { p50: 1, p95: 2, p99: figures.p99 ?? 3, max: 4 },
    clients: { count: rate, distinctAddresses: true },
    rateLimited: figures.limited ?? 0,
    errors: figures.errors ? { '503': figures.errors } : {},
    retryAfter: {},
    byOperation: {},
  };
}

describe('findKnee', () => {
  it('judges a step by p99, errors other than 429 and the rate achieved', () => {
    const limits = DEFAULT_KNEE_LIMITS;
    expect(
      whatBroke(summary(100, { p99: 50, errors: 1, achieved: 95, limited: 900 }), 100, limits),
    ).toBeUndefined();
    expect(whatBroke(summary(100, { p99: 50.1 }), 100, limits)).toBe('p99 50.1 ms > 50 ms');
    expect(whatBroke(summary(100, { errors: 2 }), 100, limits)).toBe('errors 0.20% > 0.1%');
    expect(whatBroke(summary(100, { achieved: 94.9 }), 100, limits)).toBe('achieved 94.9 req/s < 95% of 100');
    expect(whatBroke(summary(100, { p99: 80, errors: 5 }), 100, limits)).toBe(
      'p99 80.0 ms > 50 ms, errors 0.50% > 0.1%',
    );
  });

  it('grows the rate by a factor or by a step, always by at least 1 req/s', () => {
    expect(nextRate(100, { factor: 1.25 })).toBe(125);
    expect(nextRate(125, { factor: 1.25 })).toBe(156);
    expect(nextRate(2, { factor: 1.25 })).toBe(3);
    expect(nextRate(100, { factor: 1.25, step: 50 })).toBe(150);
  });

  it('steps up until a step breaks, settling before each, and names the knee and what broke next', async () => {
    const events: string[] = [];
    const result = await findKnee({
      gateway: 'http://127.0.0.1:1',
      startRate: 100,
      durationS: 1,
      measure: async (rate) => {
        events.push(`measure ${rate}`);
        return summary(rate, { p99: rate >= 195 ? 70 : 10 });
      },
      settle: async () => {
        events.push('settle');
      },
      onStep: (step) => events.push(`step ${step.rate} ${step.broke ?? 'held'}`),
    });
    expect(result.knee).toBe(156);
    expect(result.broken?.rate).toBe(195);
    expect(result.broken?.broke).toBe('p99 70.0 ms > 50 ms');
    expect(result.steps.map((step) => step.rate)).toEqual([100, 125, 156, 195]);
    expect(events.slice(0, 6)).toEqual([
      'settle',
      'measure 100',
      'step 100 held',
      'settle',
      'measure 125',
      'step 125 held',
    ]);
  });

  it('has no knee when the first step breaks, and stops at maxRate with none broken', async () => {
    const broken = await findKnee({
      gateway: 'http://127.0.0.1:1',
      startRate: 100,
      durationS: 1,
      measure: async (rate) => summary(rate, { achieved: 10 }),
      settle: async () => {},
    });
    expect(broken.knee).toBeUndefined();
    expect(broken.steps).toHaveLength(1);
    const capped = await findKnee({
      gateway: 'http://127.0.0.1:1',
      startRate: 100,
      durationS: 1,
      step: 100,
      maxRate: 300,
      p99Ms: 5,
      measure: async (rate) => summary(rate, { p99: 4 }),
      settle: async () => {},
    });
    expect(capped).toMatchObject({ knee: 300, broken: undefined });
    expect(capped.steps.map((step) => step.rate)).toEqual([100, 200, 300]);
  });
});
