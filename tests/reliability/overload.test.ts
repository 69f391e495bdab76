import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type RunningSystem, root, startSystem } from '../../bench/system/start-system.js';
import { stepReport } from '../../packages/cli/src/commands/load-report.js';
import { findKnee } from '../../packages/cli/src/load/find-knee.js';
import {
  type LoadAnswer,
  type LoadFigures,
  type LoadSummary,
  type LoadWindow,
  runLoad,
} from '../../packages/cli/src/load/run-load.js';
import { TrafficMix } from '../../packages/cli/src/load/traffic-mix.js';
import type { InstanceView } from '../../packages/cli/src/supervisor.js';
import { processedEvents } from '../support/processed-events.js';
import { until } from '../support/until.js';
import { figuresFolder, recordFigure } from './support/record-figure.js';

/**
 * Scenario 18: the reference system as shipped — `flotilla start` on embedded defaults (PGlite, the
 * embedded transport), the gateway's default rate limit, one simulated client per req/s — driven
 * 20% past its knee for OVERLOAD_S seconds, then straight back to half its knee. Overload may be
 * refused, but only as the client is told to come back: every non-2xx answer is a 429 or a 503
 * with Retry-After, and nothing times out or is cut. No process restarts, every order placed
 * reaches notifications and every user created reaches orders' replica, and p99 is back under
 * P99_MS in one of the first RECOVERY_WINDOWS one-second windows after the drop and in every
 * window after it. The knee is measured first, on this machine as it is now; no time is asserted.
 */
const OVERLOAD_S = Number(process.env.FLOTILLA_OVERLOAD_SECONDS ?? 60);
const P99_MS = 50;
const RECOVERY_WINDOWS = 10;
// Long enough after the recovery windows to see p99 stay down.
const HALF_S = 2 * RECOVERY_WINDOWS;
const START_RATE = 50;
const STEP_S = 5;
const FACTOR = 1.25;

let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ config: join(root, 'flotilla.config'), environment: {} });
}, 180_000);
afterAll(() => system?.stop());

/** Non-2xx answers other than 429 and 503, failed requests, and refusals that gave no Retry-After. */
function badRefusals(summary: LoadSummary) {
  const { '503': unavailable = 0, ...other } = summary.errors;
  return {
    other,
    withoutRetryAfter: {
      '429': summary.rateLimited - (summary.retryAfter['429'] ?? 0),
      '503': unavailable - (summary.retryAfter['503'] ?? 0),
    },
  };
}

/** One figure of each one-second window, space-separated. */
const perSecond = (summary: LoadSummary, figure: (window: LoadWindow) => number) =>
  (summary.windows ?? []).map((window) => Math.round(figure(window))).join(' ');
const p99 = (window: LoadWindow) => window.latencyMs.p99;
const unavailable = (figures: LoadFigures) => figures.errors['503'] ?? 0;

describe('the reference system past its knee, then back', () => {
  it(`refuses only with Retry-After at 1.2 × knee for ${OVERLOAD_S} s, loses nothing and recovers at half`, {
    timeout: (OVERLOAD_S + HALF_S + 240) * 1000,
  }, async () => {
    onTestFailed(() => {
      const file = join(figuresFolder, '18-overload-flotilla.log');
      writeFileSync(file, system.output());
      console.log(`[reliability] the system's output is in ${file}`);
    });
    const { gateway } = system;
    const before = await system.processes();
    // One traffic throughout, so reads and orders always have earlier users and orders to use.
    const mix = new TrafficMix();
    let usersCreated = 0;
    const ordersPlaced = new Map<string, string>(); // order id → user id, in the overload run and after
    const created = ({ operation, status }: LoadAnswer) => {
      if (operation === 'create-user' && status === 201) usersCreated++;
    };
    const placed = (answer: LoadAnswer) => {
      created(answer);
      const order = answer.body as { id: string; userId: string };
      if (answer.operation === 'place-order' && answer.status === 201)
        ordersPlaced.set(order.id, order.userId);
    };

    // JIT, connection pools and the first rows before anything is measured.
    await runLoad({ gateway, rate: START_RATE, durationS: STEP_S, mix, onAnswer: created });
    const search = await findKnee({
      gateway,
      startRate: START_RATE,
      durationS: STEP_S,
      factor: FACTOR,
      p99Ms: P99_MS,
      measure: (rate) => runLoad({ gateway, rate, durationS: STEP_S, mix, onAnswer: created }),
      onStep: (step) => console.log(`[overload] ${stepReport(step)}`),
    });
    // No step held: half the first step's rate, and the figure says so.
    const knee = search.knee ?? START_RATE / 2;
    const overRate = Math.round(1.2 * knee);
    const halfRate = Math.round(0.5 * knee);
    await until(
      'the gateway ready after the knee search',
      async () => (await fetch(`${gateway}/health/ready`)).ok,
    );

    // The half-load run takes over at the instant the overload's schedule ends, whatever is still
    // in flight: the system gets no quiet moment to recover in.
    const startAt = performance.now();
    const run = { gateway, mix, onAnswer: placed, windowS: 1 };
    const [overload, half] = await Promise.all([
      runLoad({ ...run, rate: overRate, durationS: OVERLOAD_S, startAt }),
      runLoad({ ...run, rate: halfRate, durationS: HALF_S, startAt: startAt + OVERLOAD_S * 1000 }),
    ]);
    const after = await system.processes();

    // Recovered in the first window from which every window's p99 is within the limit.
    const halfWindows = half.windows ?? [];
    const recoveredIn = halfWindows.findIndex((_, index) =>
      halfWindows.slice(index).every((window) => p99(window) <= P99_MS),
    );

    const urlOf = (name: string) => after.find((instance) => instance.name === name)?.url ?? '';
    // Orders still without a notification; a user's orders are far fewer than a page of them.
    const missing = new Map(ordersPlaced);
    await until(
      'every order placed to have its notification',
      async () => {
        for (const userId of new Set(missing.values())) {
          const response = await fetch(`${urlOf('notifications')}/notifications?userId=${userId}&limit=100`);
          for (const { orderId } of (await response.json()) as { orderId: string }[]) missing.delete(orderId);
        }
        return missing.size === 0;
      },
      120_000,
      1_000,
    ).catch(() => undefined); // asserted below, naming the orders still missing
    const ordersUrl = urlOf('orders');
    const replicated = await until(
      'every user created to be in the replica of orders',
      async () => {
        const processed = await processedEvents(ordersUrl, 'user-replica');
        return processed >= usersCreated && processed;
      },
      120_000,
      1_000,
    ).catch(() => processedEvents(ordersUrl, 'user-replica'));

    const restarts = after.reduce((sum, instance) => sum + instance.restarts, 0);
    const failures = (summary: LoadSummary) => JSON.stringify(badRefusals(summary).other);
    console.log(
      [
        `[overload] knee ${search.knee ?? `none (first step broke: ${search.broken?.broke}), taken as ${knee}`} req/s`,
        `[overload] ${overRate} req/s for ${OVERLOAD_S} s: p99 ${Math.round(overload.latencyMs.p99)} ms, ${overload.rateLimited} × 429, ${unavailable(overload)} × 503, other ${failures(overload)}`,
        `[overload]   p99 per second: ${perSecond(overload, p99)}`,
        `[overload]   503 per second: ${perSecond(overload, unavailable)}`,
        `[overload] ${halfRate} req/s for ${HALF_S} s: p99 ${Math.round(half.latencyMs.p99)} ms, ${half.rateLimited} × 429, ${unavailable(half)} × 503, other ${failures(half)}`,
        `[overload]   p99 per second: ${perSecond(half, p99)}`,
        `[overload]   503 per second: ${perSecond(half, unavailable)}`,
        `[overload] orders ${ordersPlaced.size}, without notification ${missing.size}; users ${usersCreated}, replicated ${replicated}`,
      ].join('\n'),
    );
    recordFigure(import.meta.url, {
      id: '18-overload',
      title: `Reference system as shipped (embedded) at 1.2 × its knee for ${OVERLOAD_S} s, then at half`,
      result: `knee ${knee} req/s${search.knee === undefined ? ' (no step held: half the first)' : ''}; at ${overRate} req/s p99 ${Math.round(overload.latencyMs.p99)} ms, ${overload.rateLimited} × 429 and ${unavailable(overload)} × 503 of ${overload.sent}, other failures ${failures(overload)}; at ${halfRate} req/s p99 ≤ ${P99_MS} ms from second ${recoveredIn < 0 ? 'never' : recoveredIn + 1}; ${ordersPlaced.size} orders, ${missing.size} not notified; restarts ${restarts}`,
      measurements: {
        kneeRate: knee,
        kneeBroke: search.broken?.broke ?? '',
        overloadRate: overRate,
        overloadSent: overload.sent,
        overloadP50Ms: Math.round(overload.latencyMs.p50),
        overloadP99Ms: Math.round(overload.latencyMs.p99),
        overloadMaxMs: Math.round(overload.latencyMs.max),
        overload429: overload.rateLimited,
        overload503: unavailable(overload),
        overloadErrors: JSON.stringify(overload.errors),
        overloadP99PerSecond: perSecond(overload, p99),
        overload503PerSecond: perSecond(overload, unavailable),
        halfRate,
        halfSent: half.sent,
        halfP99Ms: Math.round(half.latencyMs.p99),
        half429: half.rateLimited,
        half503: unavailable(half),
        halfErrors: JSON.stringify(half.errors),
        halfP99PerSecond: perSecond(half, p99),
        recoveredInSecond: recoveredIn < 0 ? 'never' : recoveredIn + 1,
        orders: ordersPlaced.size,
        ordersNotNotified: missing.size,
        usersCreated,
        usersReplicated: replicated,
        restarts,
      },
    });

    const identity = ({ id, pid, state, restarts }: InstanceView) => ({ id, pid, state, restarts });
    expect(after.map(identity)).toEqual(before.map((instance) => ({ ...identity(instance), restarts: 0 })));
    const none = { other: {}, withoutRetryAfter: { '429': 0, '503': 0 } };
    expect(badRefusals(overload)).toEqual(none);
    expect(badRefusals(half)).toEqual(none);
    expect(recoveredIn).toBeGreaterThanOrEqual(0);
    expect(recoveredIn).toBeLessThan(RECOVERY_WINDOWS);
    expect(ordersPlaced.size).toBeGreaterThan(0);
    expect([...missing.keys()].slice(0, 10)).toEqual([]);
    expect(replicated).toBeGreaterThanOrEqual(usersCreated);
  });
});
