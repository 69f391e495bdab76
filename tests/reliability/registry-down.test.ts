import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../packages/cli/src/load/run-load.js';
import { recordFigure } from './support/record-figure.js';
import { RunningSystem, SERVICES } from './support/start-system.js';

const OUTAGE_MS = 30_000;
const RATE = 10;
let system: RunningSystem;

beforeAll(async () => {
  system = await RunningSystem.start({ databaseUrl: process.env.DATABASE_URL!, instances: 1 });
});
afterAll(() => system?.stop());

/** Instance ids per service in the registry's catalog, passing or not. */
async function catalog(): Promise<string[]> {
  const ids: string[] = [];
  for (const service of SERVICES) {
    const response = await fetch(`${system.controlPlaneUrl}/v1/catalog/service/${service}`);
    ids.push(...((await response.json()) as { ServiceID: string }[]).map((entry) => entry.ServiceID));
  }
  return ids.sort();
}

describe('registry (control plane) down for 30 s', () => {
  it('keeps routing from the cached instances and registers nothing twice', async () => {
    const stopLoad = new AbortController();
    const load = runLoad({
      gateway: system.gateway.url,
      rate: RATE,
      durationS: 600,
      signal: stopLoad.signal,
    });
    await sleep(3_000);

    await system.stopControlPlane();
    const downAt = performance.now();
    await sleep(OUTAGE_MS);
    await system.startControlPlane();
    const downForMs = performance.now() - downAt;
    const restored = /"services":(\d+)[^\n]*registrations restored/.exec(
      system.controlPlane!.stdout.join(''),
    );
    // Several anti-entropy rounds (500 ms each) of every instance against the restarted registry.
    await sleep(3_000);
    stopLoad.abort();
    const summary = await load;

    const registrations = system.registrations();
    const ids = system.instances.map((instance) => instance.id).sort();
    const passing = (await Promise.all(SERVICES.map((service) => system.passing(service)))).flat().sort();
    const delivery = await system.settledNotifications();
    const failed = Object.values(summary.errors).reduce((sum, count) => sum + count, 0);
    const registeredOnce = [...registrations.values()].filter((count) => count === 1).length;

    recordFigure(import.meta.url, {
      id: '5-registry-down',
      title: `Control plane stopped for 30 s at ${RATE} req/s through the gateway`,
      result: `failed ${failed} of ${summary.sent} requests (p99 ${Math.round(summary.latencyMs.p99)} ms) over ${Math.round(downForMs / 1000)} s without a registry; registrations restored from its snapshot on disk: ${restored?.[1] ?? 0}; instances registered exactly once: ${registeredOnce} of ${registrations.size}; ${delivery.orders} orders, notifications lost ${delivery.lost}`,
      measurements: {
        requests: summary.sent,
        failed,
        p99Ms: Math.round(summary.latencyMs.p99),
        downForMs: Math.round(downForMs),
        snapshotOnDisk: 'yes (REGISTRY_SNAPSHOT_PATH)',
        restoredRegistrations: Number(restored?.[1] ?? 0),
        instances: registrations.size,
        registeredOnce,
        orders: delivery.orders,
        lost: delivery.lost,
        errors: JSON.stringify(summary.errors),
      },
    });
    expect(summary.errors).toEqual({});
    expect(summary.completed).toBe(summary.sent);
    expect([...registrations.values()]).toEqual(ids.map(() => 1));
    expect(await catalog()).toEqual(ids);
    expect(passing).toEqual(ids);
    expect(delivery).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
