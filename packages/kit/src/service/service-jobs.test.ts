import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineEvent } from '../events/index.js';
import { schedule } from '../jobs/index.js';
import { type TestDatabase, testDatabase } from '../testing/index.js';
import { defineService, type RunningService, startService } from './index.js';

const ReportMade = defineEvent({
  source: 'reporter',
  type: 'report.made',
  schema: Type.Object({ tick: Type.String() }),
});

const reporter = defineService({
  name: 'reporter',
  version: '1.0.0',
  jobs: [
    schedule(
      '0 0 1 1 *',
      async ({ tx, events, tick }) => {
        await events.publish(tx, ReportMade, { tick: tick.toISOString() });
      },
      { name: 'yearly-report' },
    ),
  ],
  routes: () => {},
});

describe('a service with jobs', () => {
  let database: TestDatabase;
  let service: RunningService;

  beforeAll(async () => {
    database = await testDatabase();
    service = await startService(reporter, { environment: {}, database, logDestination: new PassThrough() });
  });

  afterAll(async () => {
    await service?.stop();
    await database?.dispose();
  });

  it('serves its jobs, runs one on request with the outbox in its transaction, and counts it', async () => {
    const asked = await fetch(`${service.url}/jobs/yearly-report/run`, { method: 'POST' });
    expect(asked.status).toBe(202);
    const { run } = (await asked.json()) as { run: { id: string; tick: string } };

    await expect
      .poll(async () => ((await (await fetch(`${service.url}/jobs`)).json()) as { jobs: unknown[] }).jobs, {
        timeout: 10_000,
      })
      .toEqual([
        expect.objectContaining({
          name: 'yearly-report',
          runs: [expect.objectContaining({ id: run.id, status: 'done' })],
        }),
      ]);
    const { rows } = await database.query<{ event: { data: unknown } }>('SELECT event FROM flotilla_outbox');
    expect(rows.map((row) => row.event.data)).toEqual([{ tick: run.tick }]);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/flotilla_job_runs_total\{job="yearly-report",outcome="succeeded"[^}]*\} 1/);
  });
});
