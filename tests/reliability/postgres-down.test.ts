import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '@flotilla/kit/db';
import { outboxBacklog } from '@flotilla/kit/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../support/fault-proxy.js';
import { alive } from '../support/processes.js';
import { until } from '../support/until.js';
import { recordFigure } from './support/record-figure.js';
import { type Instance, RunningSystem } from './support/start-system.js';

const OUTAGE_MS = 20_000;
const databaseUrl = process.env.DATABASE_URL!;
let proxy: FaultProxy;
let system: RunningSystem;

beforeAll(async () => {
  proxy = await FaultProxy.start(`http://${new URL(databaseUrl).host}`);
  system = await RunningSystem.start({
    databaseUrl,
    instances: 1,
    // Orders reaches its database through the fault proxy; the others directly.
    environmentOf: (service, database) => {
      if (service !== 'orders') return {} as Record<string, string>;
      const throughProxy = new URL(database);
      throughProxy.host = `127.0.0.1:${proxy.port}`;
      return { DATABASE_URL: throughProxy.href };
    },
  });
});
afterAll(async () => {
  await system?.stop();
  await proxy?.close();
});

const json = { 'content-type': 'application/json' };
const status = (url: string, init?: RequestInit) =>
  fetch(url, { ...init, signal: AbortSignal.timeout(5_000) }).then(
    async (response) => {
      await response.arrayBuffer();
      return response.status;
    },
    () => 0,
  );

describe('PostgreSQL of one service unreachable for 20 s', () => {
  it('takes only that service out of readiness, keeps it alive, and recovers with every event delivered', async () => {
    const gateway = system.gateway.url;
    const user = (await (
      await fetch(`${gateway}/api/users`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'Grace', email: `grace-${randomUUID()}@example.com` }),
      })
    ).json()) as { id: string };
    const placeOrder = () =>
      status(`${gateway}/api/orders`, {
        method: 'POST',
        headers: { ...json, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ userId: user.id, items: [{ sku: 'PG-1', quantity: 1, unitPrice: 100 }] }),
      });
    const orders = system.instances.find((instance) => instance.service === 'orders') as Instance;
    const others = system.instances.filter((instance) => instance.service !== 'orders');

    // A burst of orders, then the database goes away at once: some events are still in the outbox.
    const before = await Promise.all(Array.from({ length: 20 }, placeOrder));
    proxy.set({ blackhole: true });
    const cutAt = performance.now();
    // Read directly, not through the proxy.
    const ordersDb = await openDatabase({ url: system.databaseOf('orders') });
    const { pending: pendingAtCut } = await outboxBacklog(ordersDb).finally(() => ordersDb.close());

    const probes = {
      ready: new Map<number, number>(),
      live: new Map<number, number>(),
      others: 0,
      othersOk: 0,
    };
    const count = (map: Map<number, number>, code: number) => map.set(code, (map.get(code) ?? 0) + 1);
    let notReadyAfterMs: number | undefined;
    while (performance.now() - cutAt < OUTAGE_MS) {
      const [ready, live, ...otherAnswers] = await Promise.all([
        status(`${orders.process.url}/health/ready`),
        status(`${orders.process.url}/health/live`),
        status(`${gateway}/api/users/${user.id}`),
        ...others.map((instance) => status(`${instance.process.url}/health/ready`)),
      ]);
      // Skip the first seconds: the outage is noticed within the readiness check's timeout.
      if (ready === 503 && notReadyAfterMs === undefined) notReadyAfterMs = performance.now() - cutAt;
      if (notReadyAfterMs !== undefined) count(probes.ready, ready!);
      count(probes.live, live!);
      probes.others += otherAnswers.length;
      probes.othersOk += otherAnswers.filter((code) => code === 200).length;
      await sleep(250);
    }
    const registryDuringOutage = await system.passing('orders');
    const pid = orders.process.child.pid!;

    proxy.clear();
    const restoredAt = performance.now();
    await until(
      'orders to be ready again',
      async () => (await status(`${orders.process.url}/health/ready`)) === 200,
    );
    const readyAgainMs = performance.now() - restoredAt;
    await until('the gateway to route to orders again', async () => (await placeOrder()) === 201, 30_000);
    const ordersAgainMs = performance.now() - restoredAt;
    const delivery = await system.settledNotifications();

    recordFigure(import.meta.url, {
      id: '2-postgres-down',
      title: "Orders' PostgreSQL black-holed for 20 s (fault proxy between orders and PostgreSQL)",
      result: `readiness 503 within ${Math.round(notReadyAfterMs ?? -1)} ms, then ${probes.ready.get(503) ?? 0}/${[...probes.ready.values()].reduce((a, b) => a + b, 0)} probes 503; liveness 200 ${probes.live.get(200) ?? 0}/${[...probes.live.values()].reduce((a, b) => a + b, 0)}; same process, no restart; users and notifications ${probes.othersOk}/${probes.others} OK; ready again ${Math.round(readyAgainMs)} ms and taking orders ${Math.round(ordersAgainMs)} ms after the database returned; ${delivery.orders} orders (${pendingAtCut} events pending in the outbox at the cut), notifications lost ${delivery.lost}, duplicated ${delivery.duplicated}`,
      measurements: {
        notReadyAfterMs: Math.round(notReadyAfterMs ?? -1),
        readyProbes: JSON.stringify(Object.fromEntries(probes.ready)),
        liveProbes: JSON.stringify(Object.fromEntries(probes.live)),
        otherServicesOk: probes.othersOk,
        otherServicesProbes: probes.others,
        readyAgainMs: Math.round(readyAgainMs),
        ordersAgainMs: Math.round(ordersAgainMs),
        pendingAtCut,
        orders: delivery.orders,
        lost: delivery.lost,
        duplicated: delivery.duplicated,
      },
    });
    expect(before.every((code) => code === 201)).toBe(true);
    expect(notReadyAfterMs).toBeDefined();
    expect([...probes.ready.keys()]).toEqual([503]);
    expect([...probes.live.keys()]).toEqual([200]);
    expect(registryDuringOutage).toEqual([]);
    expect(alive(pid)).toBe(true);
    expect(orders.process.child.exitCode).toBeNull();
    expect(probes.othersOk).toBe(probes.others);
    expect(delivery.orders).toBeGreaterThanOrEqual(before.length + 1);
    expect(delivery).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
