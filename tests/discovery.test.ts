import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  consulRegistry,
  type DiscoveryBalancer,
  discoveryBalancer,
  type Registry,
} from '@flotilla/kit/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLoop } from './support/read-loop.js';
import { kill, repositoryRoot, type SpawnedService, spawnService } from './support/spawn-service.js';
import { until } from './support/until.js';

const controlPlaneEntry = join(repositoryRoot, 'packages/control-plane/src/main.ts');
const usersEntry = join(repositoryRoot, 'services/users/src/main.ts');
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-discovery-'));
const CHECK_INTERVAL_MS = 300;
const CHECK_TIMEOUT_MS = 200;
// Wide enough that a request sent once the registry shows the instance gone still finds it
// answering; the order of deregistration and closing is what the SIGTERM test checks.
const SHUTDOWN_DELAY_MS = 1_000;

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

/**
 * The users instances not yet killed by a test. Each test takes the instances it needs from here
 * and expects what follows from them, so the tests hold in any order.
 */
function running(): SpawnedService[] {
  return users.filter((user) => user.child.exitCode === null && user.child.signalCode === null);
}

const portOf = (service: SpawnedService) => Number(new URL(service.url).port);

/** Reads made after `since` by a read loop. */
const readsSince = (load: ReturnType<typeof readLoop>, since: number) =>
  load.records.filter((record) => record.at > since);

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
          SHUTDOWN_DELAY: `${SHUTDOWN_DELAY_MS}ms`,
        },
        60_000,
      ),
    );
  }
  await until('three users instances passing', async () => (await passing()).length === 3);
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

/** Resolves once the registry no longer lists instance `id`: woken by blocking queries, not by polling. */
async function deregistration(id: string): Promise<void> {
  let index = '0';
  for (;;) {
    const response = await fetch(`${registryUrl}/v1/health/service/users?index=${index}&wait=30s`);
    const entries = (await response.json()) as Entry[];
    if (!entries.some((entry) => entry.Service.ID === id)) return;
    index = response.headers.get('x-consul-index') ?? index;
  }
}

/** Whether the instance answers an HTTP request at all (any status). */
function answers(service: SpawnedService): Promise<boolean> {
  return fetch(`${service.url}/health/live`, { signal: AbortSignal.timeout(2_000) })
    .then((response) => response.arrayBuffer())
    .then(
      () => true,
      () => false,
    );
}

const passingIdOf = (service: SpawnedService) =>
  until(
    'the instance passing',
    async () => (await passing()).find((entry) => entry.Service.Port === portOf(service))?.Service.ID,
  );

const registeredAgainLines = (service: SpawnedService) =>
  service.stdout.join('').split('registered again: the registry had lost this instance').length - 1;

describe('discovery across processes', () => {
  it('registers each users instance with its metadata and a readiness check', async () => {
    const services = (await (await fetch(`${registryUrl}/v1/agent/services`)).json()) as Record<
      string,
      { Service: string; Port: number; Meta: Record<string, string> }
    >;
    const byPort = new Map(
      Object.entries(services).map(([id, service]) => [service.Port, { id, ...service }]),
    );
    expect(users.map(portOf)).toEqual(expect.arrayContaining([...byPort.keys()]));
    const passingPorts = (await passing()).map((entry) => entry.Service.Port);
    for (const user of running()) {
      const registered = byPort.get(portOf(user));
      expect(registered?.id).toMatch(/^users-[0-9a-f]{8}$/);
      expect(registered?.Meta).toEqual({ version: '0.1.0', 'route-prefix': '/api/users' });
      expect(passingPorts).toContain(portOf(user));
    }
  });

  it('stops sending reads to an instance killed with -9, and idempotent reads see no failures', async () => {
    const [victim, ...others] = running();
    if (!victim || others.length === 0) throw new Error('this test needs two running users instances');
    const victimId = await passingIdOf(victim);
    const load = readLoop(balancer, 'users', '/users');
    await until('reads through every instance', () => load.records.length >= 20);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await until('the killed instance reported critical', async () =>
      (await passing()).every((entry) => entry.Service.ID !== victimId),
    );
    const criticalAt = Date.now();
    const criticalAfterMs = criticalAt - killedAt;
    await until(
      'reads after the registry reported it critical',
      () => readsSince(load, criticalAt).length >= 100,
    );
    await load.stop();

    const after = readsSince(load, killedAt);
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
    await until('reads flowing', () => load.records.length >= 10);
    controlPlane.child.kill('SIGKILL');
    await controlPlane.exited;
    const downAt = Date.now();
    await until('the balancer to see the registry down', () => balancer.watcher('users').stale);
    await until('reads served during the outage', () => readsSince(load, downAt).length >= 20);
    const duringOutage = readsSince(load, downAt);
    controlPlane = await startControlPlane(port, 'first.json');
    const restartedAt = Date.now();
    const back = await until('the instances passing again', async () => {
      const entries = await passing();
      return entries.length === before.length && entries;
    });
    const reappearedAfterMs = Date.now() - restartedAt;
    await until('the balancer to read the registry again', () => !balancer.watcher('users').stale);
    const freshAt = Date.now();
    await until('reads after the registry is back', () => readsSince(load, freshAt).length >= 10);
    await load.stop();
    const failed = load.records.filter((record) => !record.ok).length;
    console.log(
      `[figures] registry killed for ${restartedAt - downAt} ms: ${duringOutage.length} reads served from the ` +
        `cache during the outage, ${failed} failed in all; instances passing again ${reappearedAfterMs} ms after restart`,
    );
    expect(failed).toBe(0);
    expect(back.map((entry) => entry.Service.ID).sort()).toEqual(before);
  });

  it('re-registers each instance exactly once when the registry comes back without its state', async () => {
    const port = Number(new URL(registryUrl).port);
    const before = (await passing()).map((entry) => entry.Service.ID).sort();
    const instances = running();
    const registeredAgainBefore = instances.map(registeredAgainLines);
    await kill(controlPlane);
    controlPlane = await startControlPlane(port, 'empty.json');
    const startedAt = Date.now();
    const back = await until('every instance registered again', async () => {
      const entries = await passing();
      return entries.length === before.length && entries;
    });
    console.log(
      `[figures] registry lost its state: instances registered again after ${Date.now() - startedAt} ms`,
    );
    // Absence needs a window: three sync intervals in which a second registration would show.
    await sleep(1_500);
    const services = (await (await fetch(`${registryUrl}/v1/agent/services`)).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(services).sort()).toEqual(before);
    expect(back.map((entry) => entry.Service.ID).sort()).toEqual(before);
    expect(
      instances.map((instance, n) => registeredAgainLines(instance) - registeredAgainBefore[n]!),
    ).toEqual(instances.map(() => 1));
  });

  it('deregisters on SIGTERM before the instance stops answering', async () => {
    const leaving = running().at(-1)!;
    const id = await passingIdOf(leaving);
    // What the test saw, in the order it saw it: the registry's change wakes a blocking query,
    // and only then is the instance asked whether it still answers.
    const seen: string[] = [];
    const gone = deregistration(id).then(() => seen.push('deregistered'));
    leaving.child.kill('SIGTERM');
    await gone;
    seen.push((await answers(leaving)) ? 'answering' : 'not answering');
    expect((await leaving.exited).code).toBe(0);
    seen.push((await answers(leaving)) ? 'answering' : 'not answering');
    expect(seen).toEqual(['deregistered', 'answering', 'not answering']);
  });
});
