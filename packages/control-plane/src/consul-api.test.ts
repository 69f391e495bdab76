import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@flotilla/kit/telemetry';
import Consul from 'consul';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type RunningControlPlane, startControlPlane } from './start-control-plane.js';
import { type HealthTarget, healthTarget } from './testing/health-target.js';

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-registry-'));
const logger = createLogger({ name: 'control-plane', level: 'silent' });
const running: RunningControlPlane[] = [];
const targets: HealthTarget[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((plane) => plane.stop()));
  await Promise.all(targets.splice(0).map((target) => target.close()));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function start(snapshotPath?: string) {
  const plane = await startControlPlane({
    host: '127.0.0.1',
    port: 0,
    logger,
    checkTickMs: 20,
    ...(snapshotPath ? { snapshotPath } : {}),
  });
  running.push(plane);
  const consul = new Consul({ host: '127.0.0.1', port: plane.port });
  return { plane, consul };
}

async function target(status = 200) {
  const created = await healthTarget(status);
  targets.push(created);
  return created;
}

// The registry's checks run on their own intervals; this only bounds a wait that never ends.
const within = { timeout: 5_000 };

type HealthEntry = {
  Service: { ID: string; Service: string; Port: number; Tags: string[]; Meta: Record<string, string> };
  Checks: { CheckID: string; Status: string; Output: string }[];
};

describe('the registry through a standard Consul client', () => {
  it('registers a service with an HTTP check and reports it passing once the check passes', async () => {
    const { consul } = await start();
    const health = await target(200);
    await consul.agent.service.register({
      name: 'users',
      id: 'users-a',
      address: '127.0.0.1',
      port: 4001,
      tags: ['v1', 'blue'],
      meta: { version: '1.0.0', 'route-prefix': '/api/users' },
      check: {
        name: 'ready',
        http: health.url,
        interval: '200ms',
        timeout: '100ms',
        deregistercriticalserviceafter: '1m',
      },
    });
    const services = (await consul.agent.service.list()) as Record<string, unknown>;
    expect(services['users-a']).toMatchObject({
      ID: 'users-a',
      Service: 'users',
      Address: '127.0.0.1',
      Port: 4001,
      Tags: ['v1', 'blue'],
      Meta: { version: '1.0.0', 'route-prefix': '/api/users' },
      Weights: { Passing: 1, Warning: 1 },
    });
    const passingUsers = async () =>
      (await consul.health.service({ service: 'users', passing: true })) as HealthEntry[];
    await expect.poll(passingUsers, within).toHaveLength(1);
    const passing = await passingUsers();
    expect(passing[0]!.Service).toMatchObject({ ID: 'users-a', Service: 'users', Port: 4001 });
    expect(passing[0]!.Checks.map((check) => [check.CheckID, check.Status])).toEqual([
      ['serfHealth', 'passing'],
      ['service:users-a', 'passing'],
    ]);
    expect(passing[0]!.Checks[1]!.Output).toContain('200 OK');

    health.status = 500;
    await expect.poll(passingUsers, within).toEqual([]);
    const all = (await consul.health.service('users')) as HealthEntry[];
    expect(all[0]!.Checks[1]).toMatchObject({ Status: 'critical', Output: expect.stringContaining('500') });

    health.status = 429;
    await expect
      .poll(
        async () => ((await consul.health.service('users')) as HealthEntry[])[0]?.Checks[1]?.Status,
        within,
      )
      .toBe('warning');
  });

  it('filters by tag and lists the catalog', async () => {
    const { consul } = await start();
    await consul.agent.service.register({ name: 'users', id: 'u1', port: 1, tags: ['blue'] });
    await consul.agent.service.register({ name: 'users', id: 'u2', port: 2, tags: ['green'] });
    await consul.agent.service.register({ name: 'orders', id: 'o1', port: 3 });
    const blue = (await consul.health.service({ service: 'users', tag: 'blue' })) as HealthEntry[];
    expect(blue.map((entry) => entry.Service.ID)).toEqual(['u1']);
    // A service without checks is passing, as in Consul.
    expect(((await consul.health.service({ service: 'users', passing: true })) as unknown[]).length).toBe(2);
    expect(await consul.catalog.service.list()).toEqual({ users: ['blue', 'green'], orders: [] });
    const nodes = (await consul.catalog.service.nodes('users')) as Record<string, unknown>[];
    expect(nodes.map((node) => node.ServiceID)).toEqual(['u1', 'u2']);
    expect(nodes[0]).toMatchObject({
      Node: 'flotilla',
      ServiceName: 'users',
      ServicePort: 1,
      ServiceTags: ['blue'],
    });
    expect(await consul.status.leader()).toBe('127.0.0.1:8300');
    expect(await consul.health.service('nobody')).toEqual([]);
  });

  it('updates TTL checks through pass, warn and fail, and expires them', async () => {
    const { consul } = await start();
    await consul.agent.service.register({
      name: 'worker',
      id: 'w1',
      port: 0,
      check: { name: 'alive', ttl: '300ms', timeout: '1s' },
    });
    const statusOf = async () =>
      ((await consul.health.service('worker')) as HealthEntry[])[0]!.Checks[1]!.Status;
    expect(await statusOf()).toBe('critical');
    await consul.agent.check.pass({ id: 'service:w1', note: 'fine' });
    expect(await statusOf()).toBe('passing');
    await consul.agent.check.warn('service:w1');
    expect(await statusOf()).toBe('warning');
    await consul.agent.check.fail('service:w1');
    expect(await statusOf()).toBe('critical');
    await consul.agent.check.pass('service:w1');
    await expect.poll(statusOf, within).toBe('critical');
    const output = ((await consul.health.service('worker')) as HealthEntry[])[0]!.Checks[1]!.Output;
    expect(output).toBe('TTL expired');
  });

  it('deregisters, and answers an unknown id with 404', async () => {
    const { consul, plane } = await start();
    await consul.agent.service.register({ name: 'users', id: 'u1', port: 1 });
    await consul.agent.service.deregister('u1');
    expect(await consul.agent.service.list()).toEqual({});
    const response = await fetch(`${plane.url}/v1/agent/service/deregister/u1`, { method: 'PUT' });
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/Unknown service ID "u1"/);
  });

  it('holds a blocking query until the service changes, then answers with a larger X-Consul-Index', async () => {
    const { consul, plane } = await start();
    await consul.agent.service.register({ name: 'users', id: 'u1', port: 1 });
    const first = await fetch(`${plane.url}/v1/health/service/users`);
    const index = Number(first.headers.get('x-consul-index'));
    expect(index).toBeGreaterThan(0);
    const startedAt = Date.now();
    const blocked = fetch(`${plane.url}/v1/health/service/users?index=${index}&wait=10s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await consul.agent.service.register({ name: 'orders', id: 'o1', port: 2 }); // another service: no wake-up
    await new Promise((resolve) => setTimeout(resolve, 200));
    await consul.agent.service.register({ name: 'users', id: 'u2', port: 3 });
    const answer = await blocked;
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(380);
    expect(Number(answer.headers.get('x-consul-index'))).toBeGreaterThan(index);
    expect(((await answer.json()) as unknown[]).length).toBe(2);

    const timedOut = Date.now();
    const unchanged = await fetch(`${plane.url}/v1/health/service/users?index=${index + 100}&wait=300ms`);
    // An index from the future (a registry that lost its state) answers at once.
    expect(Date.now() - timedOut).toBeLessThan(250);
    expect(unchanged.status).toBe(200);
    const current = Number(answer.headers.get('x-consul-index'));
    const waited = Date.now();
    const idle = await fetch(`${plane.url}/v1/health/service/users?index=${current}&wait=300ms`);
    expect(Date.now() - waited).toBeGreaterThanOrEqual(290);
    expect(idle.headers.get('x-consul-index')).toBe(String(current));
  });

  it('drives the Consul client watch (blocking queries) to each change', async () => {
    const { consul } = await start();
    const seen: number[] = [];
    const watch = consul.watch({ method: consul.health.service, options: { service: 'users', wait: '5s' } });
    try {
      watch.on('change', (entries: unknown[]) => seen.push(entries.length));
      await expect.poll(() => seen, within).toContain(0);
      await consul.agent.service.register({ name: 'users', id: 'u1', port: 1 });
      await expect.poll(() => seen, within).toContain(1);
      await consul.agent.service.register({ name: 'users', id: 'u2', port: 2 });
      await expect.poll(() => seen, within).toContain(2);
      expect(seen.slice(-1)).toEqual([2]);
    } finally {
      watch.end();
    }
  });

  it('removes a service whose check stays critical past DeregisterCriticalServiceAfter', async () => {
    const { consul } = await start();
    const health = await target(503);
    await consul.agent.service.register({
      name: 'flaky',
      id: 'f1',
      port: 1,
      check: {
        name: 'ready',
        http: health.url,
        interval: '100ms',
        timeout: '100ms',
        deregistercriticalserviceafter: '400ms',
      },
    });
    await expect.poll(() => consul.agent.service.list(), within).toEqual({});
  });

  it('answers an open blocking query at once when it stops', async () => {
    const { consul, plane } = await start();
    await consul.agent.service.register({ name: 'users', id: 'u1', port: 1 });
    const index = (await fetch(`${plane.url}/v1/health/service/users`)).headers.get('x-consul-index');
    const blocked = fetch(`${plane.url}/v1/health/service/users?index=${index}&wait=5m`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const startedAt = Date.now();
    await plane.stop();
    expect((await blocked).status).toBe(200);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });
});

describe('bad input', () => {
  async function put(url: string, body: string) {
    const response = await fetch(url, { method: 'PUT', body });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  }

  it('gets Consul status codes and plain-text messages, and never breaks the registry', async () => {
    const { plane, consul } = await start();
    const register = `${plane.url}/v1/agent/service/register`;
    const cases: [string, number, RegExp][] = [
      ['{"Port": 1}', 400, /^Missing service name$/],
      [
        '{"Name": "x", "Check": {"HTTP": "http://127.0.0.1:1/", "Interval": "soon"}}',
        400,
        /invalid duration "soon"/,
      ],
      ['{"Name": "x", "Check": {"HTTP": "http://127.0.0.1:1/"}}', 400, /Interval must be > 0/],
      ['{"Name": "x", "Check": {"TTL": "-1s"}}', 400, /TTL must be > 0/],
      ['{"Name": "x", "Check": {"Notes": "nothing to run"}}', 400, /either an HTTP or a TTL check/],
      ['{"Name": "x", "Check": {"TCP": "127.0.0.1:1", "Interval": "1s"}}', 400, /HTTP and TTL checks only/],
      ['{"Name": "x", "Port": "eighty"}', 400, /Request decode failed: invalid Port/],
      ['{"Name": "x", "Meta": {"bad key!": "v"}}', 400, /Invalid Service Meta/],
      ['{"Name": ', 400, /^Request decode failed: /],
      ['[1,2]', 400, /^Request decode failed: /],
      ['', 400, /Request decode failed/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await put(register, body);
      expect([body, answer.status]).toEqual([body, status]);
      expect(answer.type).toMatch(/^text\/plain/);
      expect(answer.text).toMatch(message);
    }
    await consul.agent.service.register({
      name: 'web',
      id: 'w1',
      port: 1,
      check: { name: 'ready', http: 'http://127.0.0.1:1/', interval: '10s', timeout: '1s' },
    });
    const unknownCheck = await put(`${plane.url}/v1/agent/check/pass/nope`, '');
    expect([unknownCheck.status, unknownCheck.text]).toEqual([
      404,
      'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.',
    ]);
    const notTtl = await put(`${plane.url}/v1/agent/check/pass/service:w1`, '');
    expect([notTtl.status, notTtl.text]).toEqual([500, 'CheckID "service:w1" does not have associated TTL']);
    for (const query of ['index=abc', 'index=-1', 'wait=forever']) {
      const response = await fetch(`${plane.url}/v1/health/service/web?${query}`);
      expect([query, response.status]).toEqual([query, 400]);
    }
    const unknownPath = await fetch(`${plane.url}/v1/agent/nothing`);
    expect([unknownPath.status, await unknownPath.text()]).toEqual([404, '404 page not found']);
    // The control plane's own endpoints keep answering problem+json.
    const problem = await fetch(`${plane.url}/api/nothing`);
    expect(problem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Object.keys((await consul.agent.service.list()) as object)).toEqual(['w1']);
  });

  it('is seen by a standard client as the status Consul gives', async () => {
    const { consul } = await start();
    await expect(consul.agent.check.pass('missing-check')).rejects.toMatchObject({ statusCode: 404 });
    await expect(consul.agent.service.deregister('missing-service')).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe('persistence', () => {
  it('restores registrations after a restart and re-checks before reporting passing', async () => {
    const path = join(scratch, 'restart', 'registry.json');
    const health = await target(200);
    const first = await start(path);
    await first.consul.agent.service.register({
      name: 'users',
      id: 'u1',
      port: 7,
      meta: { version: '2' },
      check: { name: 'ready', http: health.url, interval: '300ms', timeout: '100ms' },
    });
    await expect
      .poll(() => first.consul.health.service({ service: 'users', passing: true }), within)
      .toHaveLength(1);
    await first.plane.stop();
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(join(scratch, 'restart')).filter((file) => file.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(readFileSync(path, 'utf8')).services[0].id).toBe('u1');

    health.status = 500;
    const second = await start(path);
    const restored = (await second.consul.health.service('users')) as HealthEntry[];
    expect(restored[0]!.Service).toMatchObject({ ID: 'u1', Port: 7, Meta: { version: '2' } });
    expect(restored[0]!.Checks[1]!.Status).toBe('critical');
    health.status = 200;
    await expect
      .poll(() => second.consul.health.service({ service: 'users', passing: true }), within)
      .toHaveLength(1);
  });

  it('sets a malformed snapshot aside and starts empty', async () => {
    const path = join(scratch, 'corrupt.json');
    writeFileSync(path, '{"version": 1, "services": [');
    const { consul } = await start(path);
    expect(await consul.agent.service.list()).toEqual({});
    expect(readdirSync(scratch).some((file) => file.startsWith('corrupt.json.corrupt-'))).toBe(true);
  });
});
