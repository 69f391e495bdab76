import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { editableServiceCopy } from './support/editable-service-copy.js';
import {
  type RunningFlotilla,
  referenceSystemAddresses,
  spawnFlotilla,
  stopFlotilla,
} from './support/flotilla-cli.js';
import { repositoryRoot } from './support/spawn-service.js';
import { until } from './support/until.js';

// users runs from a copy, so the test edits the copy and never the repository; node_modules is the
// repository's, so the copy finds the kit and the rest as the original does.
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-watch-'));
const routes = join(scratch, 'services/users/src/routes.ts');
let supervisor: RunningFlotilla | undefined;

afterAll(async () => {
  await stopFlotilla(supervisor, 'SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

const fast = {
  REGISTRY_CHECK_INTERVAL: '300ms',
  REGISTRY_CHECK_TIMEOUT: '200ms',
  REGISTRY_SYNC_INTERVAL: '300ms',
};

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/**
 * Reads of an order through the gateway every 50 ms, whatever the answers take. Reads only: placing
 * an order asks users first, and that is what falls back on the replica, not what is tested here.
 */
function steadyLoad(url: string) {
  const outcomes: string[] = [];
  const timer = setInterval(() => {
    call(url).then(
      (answer) => outcomes.push(String(answer.status)),
      (error: Error) => outcomes.push(error.message),
    );
  }, 50);
  return { outcomes, stop: () => clearInterval(timer) };
}

describe('flotilla start --watch (cross-process)', () => {
  it('restarts only the changed service with no failed request elsewhere, and keeps it serving through a syntax error', async () => {
    editableServiceCopy(scratch, 'users');
    const source = (path: string) => join(repositoryRoot, path);
    writeFileSync(
      join(scratch, 'flotilla.config'),
      JSON.stringify({
        processes: [
          // Others' edits to the repository's own sources must not restart these during the test.
          {
            name: 'control-plane',
            role: 'control-plane',
            entry: source('packages/control-plane/src/main.ts'),
            watch: [],
            env: { CHECK_TICK: '20ms' },
          },
          {
            name: 'gateway',
            role: 'gateway',
            entry: source('packages/gateway/src/main.ts'),
            watch: [],
            env: { REGISTRY_ROUTES_REFRESH: '300ms', RATE_LIMIT: '0' },
          },
          { name: 'users', entry: 'services/users/src/main.ts', env: fast },
          { name: 'orders', entry: source('services/orders/src/main.ts'), watch: [] },
        ],
      }),
    );
    // Embedded databases whatever the suite's DATABASE_URL: the services share no database here.
    const { gateway, env } = await referenceSystemAddresses();
    supervisor = spawnFlotilla(['start', '--watch'], { cwd: scratch, env });
    const { output } = supervisor;
    await until(
      'the system ready and watched',
      () =>
        output().includes('all 4 process(es) ready') && output().includes('watching the sources of users'),
      120_000,
    );

    const control = JSON.parse(readFileSync(join(scratch, '.flotilla/supervisor.json'), 'utf8')).url;
    const pids = async () =>
      Object.fromEntries(
        ((await call(`${control}/processes`)).body as { id: string; pid: number }[]).map((instance) => [
          instance.id,
          instance.pid,
        ]),
      );
    const unknownUser = async () => (await call(`${gateway}/api/users/nobody`)).body as { detail: string };

    const user = await until('a user created through the gateway', async () => {
      const answer = await post(`${gateway}/api/users`, {
        name: 'Ada',
        email: `${randomUUID()}@watch.example`,
      });
      return answer.status === 201 && (answer.body as { id: string });
    });
    const order = await until('an order placed through the gateway', async () => {
      const answer = await post(
        `${gateway}/api/orders`,
        { userId: user.id, items: [{ sku: 'TEA-1', quantity: 1, unitPrice: 450 }] },
        { 'idempotency-key': randomUUID() },
      );
      return answer.status === 201 && (answer.body as { id: string });
    });
    expect((await unknownUser()).detail).toBe('no user with id nobody');
    const before = await pids();

    const load = steadyLoad(`${gateway}/api/orders/${order.id}`);
    writeFileSync(routes, readFileSync(routes, 'utf8').replace('no user with id', 'nobody here with id'));
    await until('users restarted', () => output().includes('users: restarted in'), 60_000);
    await until(
      'the new text served',
      async () => (await unknownUser()).detail === 'nobody here with id nobody',
      30_000,
    );
    const sent = load.outcomes.length;
    await until('load for a second more', () => load.outcomes.length >= sent + 20);
    load.stop();

    expect(load.outcomes.filter((outcome) => outcome !== '200')).toEqual([]);
    expect(load.outcomes.length).toBeGreaterThan(40);
    const after = await pids();
    expect(after['users/1']).not.toBe(before['users/1']);
    for (const id of ['control-plane/1', 'gateway/1', 'orders/1']) expect(after[id]).toBe(before[id]);
    expect(output().match(/sources changed/g)).toEqual(['sources changed']);

    writeFileSync(
      routes,
      readFileSync(routes, 'utf8').replace('function notFound(id: string)', 'function notFound(id: string'),
    );
    await until('the syntax error reported', () =>
      /users: services\/users\/src\/routes\.ts:7:\d+: .* — still running the previous version \(1\)/.test(
        output(),
      ),
    );
    expect((await unknownUser()).detail).toBe('nobody here with id nobody');
    expect((await pids())['users/1']).toBe(after['users/1']);
    const problem = ((await call(`${control}/processes`)).body as { id: string; problem?: string }[]).find(
      (instance) => instance.id === 'users/1',
    )?.problem;
    expect(problem).toMatch(/^services\/users\/src\/routes\.ts:7:\d+: /);

    expect(await stopFlotilla(supervisor, 'SIGTERM')).toBe(0);
  }, 240_000);
});
