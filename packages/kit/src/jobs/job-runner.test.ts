import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Type } from '@sinclair/typebox';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/index.js';
import { defineEvent, runEventMigrations } from '../events/index.js';
import { startTelemetry } from '../telemetry/index.js';
import {
  createEffectsTable,
  effectsPerTick,
  freezable,
  quietLogger,
  recordEffect,
  runsOf,
  startJobProcess,
  tickLedger,
} from './job-fixtures.js';
import { JobRunner, type JobRunnerOptions } from './job-runner.js';
import { createJobsMetrics } from './jobs-metrics.js';
import { runJobMigrations } from './run-job-migrations.js';
import { type Job, type JobContext, type ScheduleOptions, schedule } from './schedule.js';

// PGlite is one connection in one process: "instances" here are runners sharing that database,
// which is how several instances of a service meet on the embedded engine.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(): Promise<Database> {
  const db = await openDatabase();
  cleanups.push(() => db.close());
  await runJobMigrations(db);
  await createEffectsTable(db);
  return db;
}

function runner(options: Omit<JobRunnerOptions, 'logger'>): JobRunner {
  const started = new JobRunner({ logger: quietLogger, pollIntervalMs: 100, ...options });
  started.start();
  cleanups.push(() => started.stop());
  return started;
}

/** A yearly job: it runs only when asked to in these tests. */
function onDemand(
  handler: (context: JobContext) => Promise<void>,
  options: Partial<ScheduleOptions> = {},
): Job {
  return schedule('0 0 1 1 *', handler, {
    name: 'on-demand',
    backoff: { initialDelayMs: 10, maxDelayMs: 20 },
    ...options,
  });
}

const Reported = defineEvent({
  source: 'reports',
  type: 'report.made',
  schema: Type.Object({ attempt: Type.Integer() }),
});

describe('JobRunner on PGlite', () => {
  it('runs each tick of an every-second job exactly once across three instances', async () => {
    const db = await database();
    const instances = ['a', 'b', 'c'].map((name) =>
      runner({ db, instanceId: name, jobs: [schedule('* * * * * *', recordEffect(name), { name: 'tick' })] }),
    );
    await expect
      .poll(async () => (await runsOf(db, 'tick')).length, { timeout: 15_000, interval: 200 })
      .toBeGreaterThanOrEqual(6);
    await Promise.all(instances.map((instance) => instance.stop()));

    const ledger = await tickLedger(db, 'tick', 1_000);
    expect(ledger.actual).toEqual(ledger.expected);
    expect(ledger.effects).toBe(ledger.expected.length);
  });

  it('retries the tick of an instance frozen after claiming it once the lease passes; its late run is refused', async () => {
    const db = await database();
    const registry = new Registry();
    const job = (instance: string) =>
      schedule('* * * * * *', recordEffect(instance), { name: 'tick', leaseMs: 1_000 });
    const frozen = freezable(db, { freezeAfterClaim: true });
    cleanups.push(async () => frozen.thaw());
    runner({
      db: frozen.db,
      instanceId: 'frozen',
      metrics: createJobsMetrics(registry),
      jobs: [job('frozen')],
    });
    await expect.poll(async () => (await runsOf(db, 'tick')).length, { timeout: 5_000 }).toBe(1);
    const [abandoned] = await runsOf(db, 'tick');
    runner({ db, instanceId: 'survivor', jobs: [job('survivor')] });

    await expect
      .poll(async () => (await runsOf(db, 'tick')).find((run) => run.tick === abandoned!.tick), {
        timeout: 10_000,
      })
      .toMatchObject({
        status: 'done',
        attempts: 2,
        claimedBy: 'survivor',
        lastError: expect.stringMatching(/attempt 1 \(instance frozen\) did not finish within its lease/),
      });
    // Thawed, the first instance runs its stale claim: the handler runs, its commit is refused.
    frozen.thaw();
    await expect
      .poll(async () => (await registry.getSingleMetric('flotilla_job_runs_total')!.get()).values, {
        timeout: 10_000,
      })
      .toContainEqual(expect.objectContaining({ labels: { job: 'tick', outcome: 'superseded' }, value: 1 }));
    expect((await effectsPerTick(db)).find((row) => row.tick === abandoned!.tick)).toEqual({
      tick: abandoned!.tick,
      effects: 1,
    });
  });

  it('takes over the tick of a process SIGKILLed mid-run, after a restart on the same data directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-jobs-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const prepared = await openDatabase({ dataDir });
    await runJobMigrations(prepared);
    await createEffectsTable(prepared);
    await prepared.close();
    const { child, tick } = await startJobProcess({ DATA_DIR: dataDir });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const db = await openDatabase({ dataDir });
    cleanups.push(() => db.close());
    runner({
      db,
      instanceId: 'restarted',
      jobs: [schedule('* * * * * *', recordEffect('restarted'), { name: 'tick', leaseMs: 1_000 })],
    });
    await expect
      .poll(async () => (await runsOf(db, 'tick')).find((run) => run.tick === tick), { timeout: 10_000 })
      .toMatchObject({ status: 'done', attempts: 2, claimedBy: 'restarted' });
    const { rows } = await db.query<{ instance: string }>(
      'SELECT instance FROM job_effects WHERE tick = $1',
      [tick],
    );
    expect(rows).toEqual([{ instance: 'restarted' }]);
  });

  it('retries a failing run with backoff and commits its effects and events once, on the attempt that succeeds', async () => {
    const db = await database();
    await runEventMigrations(db);
    const attempts: number[] = [];
    const jobs = runner({
      db,
      jobs: [
        onDemand(async (context) => {
          attempts.push(context.attempt);
          await recordEffect('only')(context);
          await context.events.publish(context.tx, Reported, { attempt: context.attempt });
          if (context.attempt < 3) throw new Error(`not yet (${context.attempt})`);
        }),
      ],
    });
    const run = await jobs.runNow('on-demand');

    await expect
      .poll(async () => (await runsOf(db, 'on-demand'))[0], { timeout: 10_000 })
      .toMatchObject({
        status: 'done',
        attempts: 3,
        lastError: 'not yet (2)',
      });
    expect(attempts).toEqual([1, 2, 3]);
    expect(await effectsPerTick(db)).toEqual([{ tick: run.tick, effects: 1 }]);
    const { rows } = await db.query<{ event: { data: unknown } }>('SELECT event FROM flotilla_outbox');
    expect(rows.map((row) => row.event.data)).toEqual([{ attempt: 3 }]);
  });

  it('marks a run dead after its last attempt, keeps the error, counts it and traces each attempt', async () => {
    const db = await database();
    const registry = new Registry();
    const exporter = new InMemorySpanExporter();
    const tracing = startTelemetry({
      enabled: true,
      serviceName: 'jobs-test',
      serviceVersion: '0.0.0',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const jobs = runner({
      db,
      metrics: createJobsMetrics(registry),
      tracing,
      jobs: [
        onDemand(
          async ({ attempt }) => {
            throw new Error(`broken ${attempt}`);
          },
          { maxAttempts: 3 },
        ),
      ],
    });
    await jobs.runNow('on-demand');

    await expect
      .poll(async () => (await runsOf(db, 'on-demand'))[0], { timeout: 10_000 })
      .toMatchObject({
        status: 'dead',
        attempts: 3,
        lastError: 'broken 3',
      });
    await expect
      .poll(async () => (await registry.getSingleMetric('flotilla_job_runs_total')!.get()).values, {
        timeout: 10_000,
      })
      .toEqual(
        expect.arrayContaining([
          expect.objectContaining({ labels: { job: 'on-demand', outcome: 'failed' }, value: 2 }),
          expect.objectContaining({ labels: { job: 'on-demand', outcome: 'dead' }, value: 1 }),
        ]),
      );
    const spans = exporter.getFinishedSpans().filter((span) => span.name === 'job on-demand');
    expect(
      spans.map((span) => [span.attributes['flotilla.job.attempt'], span.attributes['flotilla.job.outcome']]),
    ).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'dead'],
    ]);
  });

  describe('ticks missed while no instance ran', () => {
    // A minute-boundary tick in the injected clock's time; the clock runs at the real pace from it.
    const T0 = Date.parse('2030-01-01T10:00:00.000Z');
    const minute = 60_000;
    const clockAt = (at: number) => {
      const offset = at - Date.now();
      return { now: () => Date.now() + offset };
    };

    async function missedTicks(missed: 'skip' | 'catch-up'): Promise<string[]> {
      const db = await database();
      const job = schedule('* * * * *', recordEffect('any'), { name: 'minutely', missed });
      const first = runner({ db, jobs: [job], clock: clockAt(T0 - 100) });
      await expect
        .poll(async () => (await runsOf(db, 'minutely')).map((run) => run.status), { timeout: 10_000 })
        .toEqual(['done']);
      await first.stop();

      // Every instance was down from just after T0 until 100 ms before T0 + 6 min.
      runner({ db, jobs: [job], clock: clockAt(T0 + 6 * minute - 100) });
      await expect
        .poll(async () => (await runsOf(db, 'minutely')).at(-1), { timeout: 10_000 })
        .toMatchObject({ tick: new Date(T0 + 6 * minute).toISOString(), status: 'done' });
      return (await runsOf(db, 'minutely')).map((run) => run.tick);
    }

    const tickAt = (minutes: number) => new Date(T0 + minutes * minute).toISOString();

    it('skip (the default): the first tick after the start is the next to run', async () => {
      expect(await missedTicks('skip')).toEqual([tickAt(0), tickAt(6)]);
    });

    it('catch-up: every missed tick runs once, oldest first, before the next one', async () => {
      expect(await missedTicks('catch-up')).toEqual([0, 1, 2, 3, 4, 5, 6].map(tickAt));
    });
  });

  it('deletes finished runs past the retention, except the latest tick catch-up starts from', async () => {
    const db = await database();
    const first = runner({ db, jobs: [schedule('* * * * * *', recordEffect('any'), { name: 'tick' })] });
    await first.runNow('tick');
    await expect
      .poll(async () => (await runsOf(db, 'tick')).filter((run) => run.status === 'done').length, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(3);
    await first.stop();
    const latest = (await runsOf(db, 'tick')).at(-1)!;

    // Pruning runs at most once a minute, and at a runner's start; this one's ticks are a year apart.
    runner({ db, retentionMs: 0, jobs: [schedule('0 0 1 1 *', recordEffect('any'), { name: 'tick' })] });
    await expect.poll(async () => runsOf(db, 'tick'), { timeout: 10_000 }).toEqual([latest]);
  });

  it('stops waiting for a run in progress at the deadline given', async () => {
    const db = await database();
    // Frozen for good once it claims: its run never finishes, so it is not stopped after the test.
    const frozen = freezable(db, { freezeAfterClaim: true });
    const jobs = new JobRunner({ db: frozen.db, logger: quietLogger, jobs: [onDemand(recordEffect('any'))] });
    jobs.start();
    await jobs.runNow('on-demand');
    await jobs.stop(50);
    expect(await runsOf(db, 'on-demand')).toEqual([
      expect.objectContaining({ status: 'running', attempts: 1 }),
    ]);
  });

  it('refuses two jobs with one name', () => {
    expect(
      () =>
        new JobRunner({
          // Refused before any query.
          db: {} as Database,
          logger: quietLogger,
          jobs: [onDemand(recordEffect('a')), onDemand(recordEffect('b'))],
        }),
    ).toThrow(/a job named "on-demand" already exists/);
  });
});
