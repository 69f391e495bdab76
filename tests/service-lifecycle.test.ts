import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  kill,
  repositoryRoot,
  type SpawnedService,
  spawnEntry,
  spawnService,
} from './support/spawn-service.js';
import { until } from './support/until.js';

const users = join(repositoryRoot, 'services/users/src/main.ts');
const probe = join(repositoryRoot, 'tests/fixtures/probe-service.ts');
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-lifecycle-'));
const started: SpawnedService[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map(kill));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const slowRequestStarted = (service: SpawnedService) =>
  service.stdout.join('').includes('slow request started');

async function start(entry: string, environment: Record<string, string>) {
  const service = await spawnService(entry, { LOG_LEVEL: 'info', ...environment });
  started.push(service);
  return service;
}

describe('a service process', () => {
  it('runs users on embedded PostgreSQL and answers GET /users', async () => {
    const service = await start(users, { DATA_DIR: join(scratch, 'data-users') });
    const response = await fetch(`${service.url}/users`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });

  it('exits non-zero on a bad config, naming every bad variable and echoing no secret', async () => {
    const run = spawnEntry(users, {
      PORT: 'eighty',
      LOG_LEVEL: 'chatty',
      DATABASE_URL: 'mysql://admin:hunter22@db.internal/users',
    });
    const { code } = await run.exited;
    const stderr = run.stderr.join('');
    expect(code).toBe(78);
    for (const variable of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(stderr).toContain(`- ${variable}:`);
    expect(stderr).not.toContain('hunter22');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('on SIGTERM fails readiness first, finishes the slow request, then exits 0', async () => {
    const service = await start(probe, { DATA_DIR: join(scratch, 'data-probe'), SHUTDOWN_DELAY: '700ms' });
    const slow = fetch(`${service.url}/slow?ms=1500`).then(async (response) => ({
      status: response.status,
      body: await response.json(),
    }));
    await until('the slow request in flight', () => slowRequestStarted(service));
    service.child.kill('SIGTERM');
    // Within the shutdown delay, while the slow request still runs.
    const ready = await until('readiness failing', async () => {
      const answer = await fetch(`${service.url}/health/ready`);
      return answer.status === 503 && answer;
    });
    const report = (await ready.json()) as { checks: Record<string, { status: string }> };
    expect(report.checks.shutdown?.status).toBe('fail');
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    expect(await slow).toEqual({ status: 200, body: { waited: 1500 } });
    expect(await service.exited).toEqual({ code: 0, signal: null });
  });

  it('cuts requests still running at the drain deadline and exits', async () => {
    const service = await start(probe, { DATA_DIR: join(scratch, 'data-probe2'), SHUTDOWN_TIMEOUT: '300ms' });
    const hung = fetch(`${service.url}/slow?ms=60000`).then(
      (response) => response.status,
      () => 'cut',
    );
    await until('the hung request in flight', () => slowRequestStarted(service));
    service.child.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
    expect(await hung).toBe('cut');
  });

  it('refuses to start when an applied migration was edited, naming the file', async () => {
    const migrations = join(scratch, 'migrations');
    const dataDir = join(scratch, 'data-migrations');
    rmSync(migrations, { recursive: true, force: true });
    await import('node:fs').then(({ mkdirSync }) => mkdirSync(migrations, { recursive: true }));
    writeFileSync(join(migrations, '0001_things.sql'), 'create table things (id int primary key);');
    const first = await start(probe, { DATA_DIR: dataDir, PROBE_MIGRATIONS: migrations });
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    writeFileSync(join(migrations, '0001_things.sql'), 'create table things (id bigint primary key);');
    const second = spawnEntry(probe, { DATA_DIR: dataDir, PROBE_MIGRATIONS: migrations });
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.stderr.join('')).toMatch(/0001_things\.sql.*edited/);
  });
});
