import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../packages/cli/src/load/run-load.js';
import { recordFigure } from './support/record-figure.js';
import { RunningSystem } from './support/start-system.js';

// Arrivals per second: what this 2-core machine serves with room to spare while processes restart.
const RATE = 15;
let system: RunningSystem;

beforeAll(async () => {
  system = await RunningSystem.start({
    databaseUrl: process.env.DATABASE_URL!,
    // Deregistered, then this long for the gateway to stop picking the instance, then drained.
    serviceEnvironment: { SHUTDOWN_DELAY: '500ms' },
  });
});
afterAll(() => system?.stop());

describe('rolling restart of every service instance under load', () => {
  it('fails no request and loses no event', async () => {
    const stopLoad = new AbortController();
    // Sign-ups, orders and reads of both through the gateway, at a constant arrival rate.
    const load = runLoad({
      gateway: system.gateway.url,
      rate: RATE,
      durationS: 600,
      signal: stopLoad.signal,
    });
    await sleep(2_000);

    const restartsMs: number[] = [];
    const exits: (number | null)[] = [];
    for (const instance of [...system.instances]) {
      const started = performance.now();
      const { exit } = await system.restart(instance);
      restartsMs.push(performance.now() - started);
      exits.push(exit);
    }
    await sleep(2_000);
    stopLoad.abort();
    const summary = await load;

    const delivery = await system.settledNotifications();
    const failed = Object.values(summary.errors).reduce((sum, count) => sum + count, 0);

    recordFigure(import.meta.url, {
      id: '1-rolling-restart',
      title: `Rolling restart of 6 instances (2 × users, orders, notifications) at ${RATE} req/s through the gateway`,
      result: `failed ${failed} of ${summary.sent} requests (p99 ${Math.round(summary.latencyMs.p99)} ms); ${delivery.orders} orders, notifications lost ${delivery.lost}, duplicated ${delivery.duplicated}; ${restartsMs.length} restarts, ${Math.round(Math.max(...restartsMs))} ms the longest`,
      measurements: {
        requests: summary.sent,
        failed,
        p50Ms: Math.round(summary.latencyMs.p50),
        p99Ms: Math.round(summary.latencyMs.p99),
        maxMs: Math.round(summary.latencyMs.max),
        orders: delivery.orders,
        lost: delivery.lost,
        duplicated: delivery.duplicated,
        restarts: restartsMs.length,
        longestRestartMs: Math.round(Math.max(...restartsMs)),
        errors: JSON.stringify(summary.errors),
      },
    });
    expect(summary.errors).toEqual({});
    expect(summary.completed).toBe(summary.sent);
    expect(exits).toEqual([0, 0, 0, 0, 0, 0]);
    expect(delivery.orders).toBeGreaterThan(0);
    expect(delivery).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
