import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/index.js';
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
import type { JobContext } from './schedule.js';
import { schedule } from './schedule.js';

// Runs in the infra project only, where DATABASE_URL names a real PostgreSQL. Each instance has
// its own pool, as separate processes would, on one schema of the test's own.
const url = process.env.DATABASE_URL;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `count` pools on one fresh schema, the first with the kit's job table and the effects table. */
async function pools(count: number, schema = `t_${randomBytes(6).toString('hex')}`): Promise<Database[]> {
  const opened = await Promise.all(
    Array.from({ length: count }, () => openDatabase({ url, schema, pool: { max: 3 } })),
  );
  cleanups.push(async () => {
    await opened[0]!.query(`DROP SCHEMA "${schema}" CASCADE`);
    await Promise.all(opened.map((db) => db.close()));
  });
  await runJobMigrations(opened[0]!);
  await createEffectsTable(opened[0]!);
  return opened;
}

function runner(options: Omit<JobRunnerOptions, 'logger'>): JobRunner {
  const started = new JobRunner({ logger: quietLogger, pollIntervalMs: 100, ...options });
  started.start();
  cleanups.push(() => started.stop());
  return started;
}

describe('JobRunner on PostgreSQL', () => {
  it('runs each tick of an every-second job exactly once across three instances', async () => {
    const [db, ...others] = await pools(3);
    const instances = [db!, ...others].map((pool, index) =>
      runner({
        db: pool,
        instanceId: `instance-${index}`,
        jobs: [schedule('* * * * * *', recordEffect(`instance-${index}`), { name: 'tick' })],
      }),
    );
    await expect
      .poll(async () => (await runsOf(db!, 'tick')).filter((run) => run.status === 'done').length, {
        timeout: 15_000,
        interval: 200,
      })
      .toBeGreaterThanOrEqual(7);
    await Promise.all(instances.map((instance) => instance.stop()));

    const ledger = await tickLedger(db!, 'tick', 1_000);
    expect(ledger.actual).toEqual(ledger.expected);
    expect(ledger.effects).toBe(ledger.expected.length);
  });

  it('retries a tick whose instance froze mid-run, effect written but not committed, and refuses its late finish', async () => {
    const [db, other] = await pools(2);
    const registry = new Registry();
    const frozen = freezable(db!);
    let entered = () => {};
    const hung = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let handled = 0;
    const freezing = async (context: JobContext) => {
      await recordEffect('frozen')(context);
      if (handled++ > 0) return;
      // Its transaction stays open with the effect in it; the instance does nothing more until thawed.
      frozen.freeze();
      entered();
      await thawed;
    };
    let thaw = () => {};
    const thawed = new Promise<void>((resolve) => {
      thaw = resolve;
    });
    const job = (handler: (context: JobContext) => Promise<void>) =>
      schedule('* * * * * *', handler, { name: 'tick', leaseMs: 1_000 });
    runner({
      db: frozen.db,
      instanceId: 'frozen',
      metrics: createJobsMetrics(registry),
      jobs: [job(freezing)],
    });
    cleanups.push(async () => {
      thaw();
      frozen.thaw();
    });
    await hung;
    const [abandoned] = await runsOf(db!, 'tick');
    runner({ db: other!, instanceId: 'survivor', jobs: [job(recordEffect('survivor'))] });

    await expect
      .poll(async () => (await runsOf(db!, 'tick')).find((run) => run.tick === abandoned!.tick), {
        timeout: 10_000,
      })
      .toMatchObject({ status: 'done', attempts: 2, claimedBy: 'survivor' });
    thaw();
    frozen.thaw();
    await expect
      .poll(async () => (await registry.getSingleMetric('flotilla_job_runs_total')!.get()).values, {
        timeout: 10_000,
      })
      .toContainEqual(expect.objectContaining({ labels: { job: 'tick', outcome: 'superseded' }, value: 1 }));
    expect((await effectsPerTick(db!)).find((row) => row.tick === abandoned!.tick)).toEqual({
      tick: abandoned!.tick,
      effects: 1,
    });
  });

  it('retries the tick of an instance SIGKILLed mid-run once the lease passes, with its effect once', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const [db] = await pools(1, schema);
    const { child, tick } = await startJobProcess({ SCHEMA: schema });
    cleanups.push(async () => void child.kill('SIGKILL'));
    child.kill('SIGKILL');
    runner({
      db: db!,
      instanceId: 'survivor',
      jobs: [schedule('* * * * * *', recordEffect('survivor'), { name: 'tick', leaseMs: 1_000 })],
    });

    await expect
      .poll(async () => (await runsOf(db!, 'tick')).find((run) => run.tick === tick), { timeout: 10_000 })
      .toMatchObject({
        status: 'done',
        attempts: 2,
        claimedBy: 'survivor',
        lastError: expect.stringMatching(/attempt 1 \(instance killed\) did not finish within its lease/),
      });
    const { rows } = await db!.query<{ instance: string }>(
      'SELECT instance FROM job_effects WHERE tick = $1',
      [tick],
    );
    expect(rows).toEqual([{ instance: 'survivor' }]);
  });

  it('retries a failing run with backoff across instances, then marks it dead with its error', async () => {
    const [db, other] = await pools(2);
    const attempts: string[] = [];
    const job = (instance: string) =>
      schedule(
        '0 0 1 1 *',
        async ({ attempt }) => {
          attempts.push(instance);
          throw new Error(`broken ${attempt}`);
        },
        { name: 'yearly', maxAttempts: 4, backoff: { initialDelayMs: 50, maxDelayMs: 100 } },
      );
    const first = runner({ db: db!, instanceId: 'a', jobs: [job('a')] });
    runner({ db: other!, instanceId: 'b', jobs: [job('b')] });
    await first.runNow('yearly');

    await expect
      .poll(async () => (await runsOf(db!, 'yearly'))[0], { timeout: 10_000 })
      .toMatchObject({ status: 'dead', attempts: 4, lastError: 'broken 4' });
    expect(attempts).toHaveLength(4);
  });
});
