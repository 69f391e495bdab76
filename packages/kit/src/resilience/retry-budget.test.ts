import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

function drain(budget: RetryBudget): number {
  let granted = 0;
  while (budget.tryWithdraw() && granted < 10_000) granted++;
  return granted;
}

describe('RetryBudget', () => {
  it('grants ratio × calls retries when it has no reserve', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, now: () => now });
    expect(budget.tryWithdraw()).toBe(false);
    for (let i = 0; i < 50; i++) budget.deposit();
    expect(drain(budget)).toBe(10);
    now += 60_000;
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('refills the reserve with time, up to one second of it', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.1, minPerSecond: 4, now: () => now });
    expect(drain(budget)).toBe(4);
    now += 500;
    expect(drain(budget)).toBe(2);
    now += 10_000;
    expect(drain(budget)).toBe(4);
  });

  it('caps what a long run of calls can bank', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, now: () => 0 });
    for (let i = 0; i < 100_000; i++) budget.deposit();
    expect(drain(budget)).toBe(20);
  });
});
