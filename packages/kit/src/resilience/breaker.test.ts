import { BrokenCircuitError } from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FlotillaError } from '../errors/index.js';
import { breakerPolicy, breakerStateName } from './breaker.js';

const HALF_OPEN_AFTER = 1_000;

/** An upstream whose next answers are scripted, counting the calls that reach it. */
function upstream() {
  let failing = true;
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fail(value: boolean) {
      failing = value;
    },
    async call() {
      calls++;
      if (failing) throw new FlotillaError('UPSTREAM_UNAVAILABLE');
      return 'ok';
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('breaker transition table (injected clock)', () => {
  it('closed → open exactly at the threshold; open lets no call through', async () => {
    const breaker = breakerPolicy({ threshold: 3, halfOpenAfterMs: HALF_OPEN_AFTER });
    const service = upstream();
    for (let i = 1; i <= 2; i++) {
      await expect(breaker.execute(() => service.call())).rejects.toThrow(FlotillaError);
      expect(breakerStateName(breaker.state)).toBe('closed');
    }
    await expect(breaker.execute(() => service.call())).rejects.toThrow(FlotillaError);
    expect(breakerStateName(breaker.state)).toBe('open');
    expect(service.calls).toBe(3);

    vi.advanceTimersByTime(HALF_OPEN_AFTER - 1);
    for (let i = 0; i < 10; i++) {
      await expect(breaker.execute(() => service.call())).rejects.toThrow(BrokenCircuitError);
    }
    expect(service.calls).toBe(3);
  });

  it('half-open admits exactly one probe; a successful probe closes it', async () => {
    const breaker = breakerPolicy({ threshold: 1, halfOpenAfterMs: HALF_OPEN_AFTER });
    const service = upstream();
    await expect(breaker.execute(() => service.call())).rejects.toThrow();
    vi.advanceTimersByTime(HALF_OPEN_AFTER);
    service.fail(false);

    let releaseProbe: () => void = () => {};
    const probeGate = new Promise<void>((resolve) => {
      releaseProbe = resolve;
    });
    const probe = breaker.execute(async () => {
      await probeGate;
      return service.call();
    });
    expect(breakerStateName(breaker.state)).toBe('half-open');
    const others = [1, 2, 3].map(() => breaker.execute(() => service.call()));
    await vi.advanceTimersByTimeAsync(0);
    expect(service.calls).toBe(1); // the failure that opened it; others wait for the probe
    releaseProbe();
    await expect(probe).resolves.toBe('ok');
    expect(breakerStateName(breaker.state)).toBe('closed');
    await expect(Promise.all(others)).resolves.toEqual(['ok', 'ok', 'ok']);
    expect(service.calls).toBe(5);
  });

  it('a failed probe reopens it for another full period', async () => {
    const breaker = breakerPolicy({ threshold: 1, halfOpenAfterMs: HALF_OPEN_AFTER });
    const service = upstream();
    await expect(breaker.execute(() => service.call())).rejects.toThrow();
    vi.advanceTimersByTime(HALF_OPEN_AFTER);
    await expect(breaker.execute(() => service.call())).rejects.toThrow(FlotillaError);
    expect(breakerStateName(breaker.state)).toBe('open');
    expect(service.calls).toBe(2);
    vi.advanceTimersByTime(HALF_OPEN_AFTER - 1);
    await expect(breaker.execute(() => service.call())).rejects.toThrow(BrokenCircuitError);
    expect(service.calls).toBe(2);
  });

  it('does not count 4xx answers as failures', async () => {
    const breaker = breakerPolicy({ threshold: 2, halfOpenAfterMs: HALF_OPEN_AFTER });
    for (let i = 0; i < 10; i++) {
      await expect(
        breaker.execute(() => Promise.reject(new FlotillaError('NOT_FOUND'))),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(breakerStateName(breaker.state)).toBe('closed');
  });

  it('opens on a failure rate over a window when configured so', async () => {
    const breaker = breakerPolicy({
      threshold: 1_000,
      failureRate: 0.5,
      windowMs: 1_000,
      minimumRps: 1,
      halfOpenAfterMs: HALF_OPEN_AFTER,
    });
    const service = upstream();
    service.fail(false);
    for (let i = 0; i < 4; i++) await breaker.execute(() => service.call());
    service.fail(true);
    for (let i = 0; i < 3; i++) await breaker.execute(() => service.call()).catch(() => undefined);
    expect(breakerStateName(breaker.state)).toBe('closed');
    await breaker.execute(() => service.call()).catch(() => undefined);
    await breaker.execute(() => service.call()).catch(() => undefined);
    expect(breakerStateName(breaker.state)).toBe('open');
  });
});
