import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { kill, repositoryRoot, type SpawnedService, spawnService } from './support/spawn-service.js';

// Runs in the infra project, where DATABASE_URL names a real PostgreSQL shared by both processes.
const databaseUrl = process.env.DATABASE_URL ?? '';
const schema = `t_${randomBytes(6).toString('hex')}`;
const probe = join(repositoryRoot, 'tests/fixtures/probe-service.ts');
const migrations = mkdtempSync(join(tmpdir(), 'flotilla-race-'));
const started: SpawnedService[] = [];

afterAll(async () => {
  await Promise.all(started.map(kill));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
  rmSync(migrations, { recursive: true, force: true });
});

describe('two instances starting together on one database', () => {
  it('both start and each migration is applied exactly once', async () => {
    mkdirSync(migrations, { recursive: true });
    // Each migration also counts its own runs, so a double application would show.
    writeFileSync(
      join(migrations, '0001_counter.sql'),
      "create table runs (name text); insert into runs values ('0001'); select pg_sleep(0.3);",
    );
    writeFileSync(join(migrations, '0002_more.sql'), "insert into runs values ('0002');");
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const environment = { DATABASE_URL: url.toString(), PROBE_MIGRATIONS: migrations };

    const both = await Promise.all([spawnService(probe, environment), spawnService(probe, environment)]);
    started.push(...both);
    for (const instance of both) expect((await fetch(`${instance.url}/health/ready`)).status).toBe(200);

    const runs = await admin.query(`select name from ${schema}.runs order by name`);
    const recorded = await admin.query(`select name from ${schema}.flotilla_migrations order by name`);
    await admin.end();
    expect(runs.rows).toEqual([{ name: '0001' }, { name: '0002' }]);
    expect(recorded.rows.map((row) => row.name)).toEqual(['0001_counter.sql', '0002_more.sql']);
  });
});
