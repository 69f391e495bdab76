import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/index.js';
import { createHttpServer, type HttpServer } from '../http/index.js';
import { createEffectsTable, effectsPerTick, quietLogger, recordEffect } from './job-fixtures.js';
import { registerJobRoutes } from './job-routes.js';
import { JobRunner } from './job-runner.js';
import { runJobMigrations } from './run-job-migrations.js';
import { schedule } from './schedule.js';

describe('the jobs routes', () => {
  let db: Database;
  let runner: JobRunner;
  let app: HttpServer;

  beforeAll(async () => {
    db = await openDatabase();
    await runJobMigrations(db);
    await createEffectsTable(db);
    runner = new JobRunner({
      db,
      logger: quietLogger,
      jobs: [schedule('0 3 * * *', recordEffect('here'), { name: 'nightly', missed: 'catch-up' })],
    });
    runner.start();
    app = await createHttpServer({ name: 'jobs-test', version: '0.0.0', logger: quietLogger });
    registerJobRoutes(app, runner);
  });

  afterAll(async () => {
    await app.close();
    await runner.stop();
    await db.close();
  });

  it('runs a job now, and lists it with its settings, its next tick and the run', async () => {
    const asked = await app.inject({ method: 'POST', url: '/jobs/nightly/run' });
    expect(asked.statusCode).toBe(202);
    const { run } = asked.json();
    expect(run).toMatchObject({ job: 'nightly', trigger: 'manual', status: 'running', attempts: 1 });

    await expect
      .poll(async () => (await app.inject({ method: 'GET', url: '/jobs' })).json().jobs[0].runs, {
        timeout: 10_000,
      })
      .toEqual([expect.objectContaining({ id: run.id, status: 'done', finishedAt: expect.any(String) })]);
    const { jobs } = (await app.inject({ method: 'GET', url: '/jobs?limit=5' })).json();
    expect(jobs).toEqual([
      expect.objectContaining({
        name: 'nightly',
        schedule: '0 3 * * *',
        timezone: 'UTC',
        missed: 'catch-up',
        maxAttempts: 5,
        nextTick: expect.stringMatching(/T03:00:00\.000Z$/),
      }),
    ]);
    expect(await effectsPerTick(db)).toEqual([{ tick: run.tick, effects: 1 }]);
  });

  it('answers an unknown job with a 404 problem', async () => {
    const answer = await app.inject({ method: 'POST', url: '/jobs/weekly/run' });
    expect(answer.statusCode).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.json()).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      detail: 'no job named "weekly" in this service',
    });
  });

  it('answers a bad history limit with a 400 problem', async () => {
    const answer = await app.inject({ method: 'GET', url: '/jobs?limit=0' });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
