import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  consulRegistry,
  type DiscoveryBalancer,
  discoveryBalancer,
  type Registry,
} from '@flotilla/kit/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLoop } from './support/read-loop.js';
import { kill, repositoryRoot, type SpawnedService, spawnService } from './support/spawn-service.js';

const controlPlaneEntry = join(repositoryRoot, 'packages/control-plane/src/main.ts');
const usersEntry = join(repositoryRoot, 'services/users/src/main.ts');
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-discovery-'));
const CHECK_INTERVAL_MS = 300;
const CHECK_TIMEOUT_MS = 200;

let controlPlane: SpawnedService;
let registryUrl: string;
const users: SpawnedService[] = [];
let registry: Registry;
let balancer: DiscoveryBalancer;

async function startControlPlane(port: number, snapshot: string) {
  return spawnService(controlPlaneEntry, {
    PORT: String(port),
    LOG_LEVEL: 'info',
    REGISTRY_SNAPSHOT_PATH: join(scratch, snapshot),
    CHECK_TICK: '20ms',
  });
}

type Entry = { Service: { ID: string; Port: number } };
async function passing(): Promise<Entry[]> {
  const response = await fetch(`${registryUrl}/v1/health/service/users?passing=true`);
  return (await response.json()) as Entry[];
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  controlPlane = await startControlPlane(0, 'first.json');
  registryUrl = controlPlane.url;
  // One after another: three embedded databases initialising at once starve a 2-core machine.
  for (const n of [1, 2, 3]) {
    users.push(
      await spawnService(
        usersEntry,
        {
          LOG_LEVEL: 'info',
          DATA_DIR: join(scratch, `users-${n}`),
          REGISTRY_URL: registryUrl,
          REGISTRY_CHECK_INTERVAL: `${CHECK_INTERVAL_MS}ms`,
          REGISTRY_CHECK_TIMEOUT: `${CHECK_TIMEOUT_MS}ms`,
          REGISTRY_SYNC_INTERVAL: '500ms',
        },
        60_000,
      ),
    );
  }
  await eventually(passing, (entries) => entries.length === 3);
  registry = consulRegistry({ url: registryUrl });
  balancer = discoveryBalancer({ registry, strategy: 'round-robin', ejectMs: 2_000, waitMs: 5_000 });
}, 200_000);

afterAll(async () => {
  await balancer?.close();
  await registry?.close();
  await Promise.all(users.map(kill));
  await kill(controlPlane);
  rmSync(scratch, { recursive: true, force: true });
});

describe('discovery across processes', () => {
  it('registers each users instance with its metadata and a readiness check', async () => {
    const services = (await (await fetch(`${registryUrl}/v1/agent/services`)).json()) as Record<
      string,
      { Service: string; Port: number; Meta: Record<string, string> }
    >;
    const ports = users.map((user) => Number(new URL(user.url).port)).sort();
    expect(
      Object.values(services)
        .map((service) => service.Port)
        .sort(),
    ).toEqual(ports);
    for (const [id, service] of Object.entries(services)) {
      expect(id).toMatch(/^users-[0-9a-f]{8}$/);
      expect(service.Meta).toEqual({ version: '0.1.0', 'route-prefix': '/api/users' });
    }
  });

  it('stops sending reads to an instance killed with -9, and idempotent reads see no failures', async () => {
    const victim = users[0]!;
    const victimPort = Number(new URL(victim.url).port);
    const victimId = (await passing()).find((entry) => entry.Service.Port === victimPort)!.Service.ID;
    const load = readLoop(balancer, 'users', '/users');
    await sleep(1_000);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await eventually(passing, (entries) => entries.length === 2);
    const criticalAfterMs = Date.now() - killedAt;
    await sleep(3_000);
    await load.stop();

    const after = load.records.filter((record) => record.at >= killedAt);
    const failed = after.filter((record) => !record.ok).length;
    const toVictim = load.records
      .flatMap((record) => record.attempts)
      .filter((attempt) => attempt.id === victimId && attempt.at >= killedAt);
    const lastToVictim = Math.max(killedAt, ...toVictim.map((attempt) => attempt.at));
    const ejectedAfterMs = lastToVictim - killedAt;
    console.log(
      `[figures] kill -9 under load: ${after.length} reads after the kill, ${failed} failed, ` +
        `${toVictim.length} tried the killed instance (each retried elsewhere), last one ${ejectedAfterMs} ms ` +
        `after the kill; registry marked it critical after ${criticalAfterMs} ms ` +
        `(check interval ${CHECK_INTERVAL_MS} ms + timeout ${CHECK_TIMEOUT_MS} ms)`,
    );
    expect(after.length).toBeGreaterThan(30);
    expect(failed).toBe(0);
    // Behaviour, not speed: nothing is sent to it once the registry has reported it critical (a
    // generous margin covers the watcher's delivery on a loaded machine).
    expect(ejectedAfterMs).toBeLessThanOrEqual(
      Math.max(CHECK_INTERVAL_MS + CHECK_TIMEOUT_MS, criticalAfterMs) + 1_000,
    );
  });

  it('keeps routing from its cache while the registry is down, and sees instances again after a restart', async () => {
    const port = Number(new URL(registryUrl).port);
    const before = (await passing()).map((entry) => entry.Service.ID).sort();
    const load = readLoop(balancer, 'users', '/users');
    await sleep(300);
    controlPlane.child.kill('SIGKILL');
    await controlPlane.exited;
    const downAt = Date.now();
    await sleep(1_500);
    expect(balancer.watcher('users').stale).toBe(true);
    const duringOutage = load.records.filter((record) => record.at > downAt);
    controlPlane = await startControlPlane(port, 'first.json');
    const restartedAt = Date.now();
    const back = await eventually(passing, (entries) => entries.length === 2);
    const reappearedAfterMs = Date.now() - restartedAt;
    await eventually(
      async () => balancer.watcher('users'),
      (watcher) => !watcher.stale,
    );
    await sleep(300);
    await load.stop();
    const failed = load.records.filter((record) => !record.ok).length;
    console.log(
      `[figures] registry killed for ${restartedAt - downAt} ms: ${duringOutage.length} reads served from the ` +
        `cache during the outage, ${failed} failed in all; instances passing again ${reappearedAfterMs} ms after restart`,
    );
    expect(duringOutage.length).toBeGreaterThan(10);
    expect(failed).toBe(0);
    expect(back.map((entry) => entry.Service.ID).sort()).toEqual(before);
  });

  it('re-registers each instance exactly once when the registry comes back without its state', async () => {
    const port = Number(new URL(registryUrl).port);
    const before = (await passing()).map((entry) => entry.Service.ID).sort();
    await kill(controlPlane);
    controlPlane = await startControlPlane(port, 'empty.json');
    const startedAt = Date.now();
    const back = await eventually(passing, (entries) => entries.length === 2);
    console.log(
      `[figures] registry lost its state: instances registered again after ${Date.now() - startedAt} ms`,
    );
    await sleep(1_500);
    const services = (await (await fetch(`${registryUrl}/v1/agent/services`)).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(services).sort()).toEqual(before);
    expect(back.map((entry) => entry.Service.ID).sort()).toEqual(before);
  });

  it('deregisters on SIGTERM before the instance stops answering', async () => {
    const leaving = users[1]!;
    const port = Number(new URL(leaving.url).port);
    leaving.child.kill('SIGTERM');
    expect((await leaving.exited).code).toBe(0);
    const services = (await (await fetch(`${registryUrl}/v1/agent/services`)).json()) as Record<
      string,
      { Port: number }
    >;
    expect(Object.values(services).map((service) => service.Port)).not.toContain(port);
  });
});
