import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from '../db/index.js';
import { createLogger } from '../telemetry/index.js';
import { JOB_RUN_COLUMNS, type JobRun, type JobRunRow, toJobRun } from './job-run.js';
import type { JobContext } from './schedule.js';

export const quietLogger = createLogger({ name: 'jobs-test', level: 'silent' });

/** Deliberately without a unique key: an effect committed twice shows up as two rows. */
export async function createEffectsTable(db: Queryable): Promise<void> {
  await db.query('CREATE TABLE job_effects (tick timestamptz NOT NULL, instance text NOT NULL)');
}

/** A handler whose effect is one `job_effects` row, written in the run's transaction. */
export function recordEffect(instance: string) {
  return async ({ tx, tick }: JobContext): Promise<void> => {
    await tx.query('INSERT INTO job_effects (tick, instance) VALUES ($1, $2)', [
      tick.toISOString(),
      instance,
    ]);
  };
}

export async function effectsPerTick(db: Queryable): Promise<{ tick: string; effects: number }[]> {
  const { rows } = await db.query<{ tick: Date | string; effects: number }>(
    'SELECT tick, count(*)::int AS effects FROM job_effects GROUP BY tick ORDER BY tick',
  );
  return rows.map((row) => ({ tick: new Date(row.tick).toISOString(), effects: row.effects }));
}

/** A job's runs, oldest tick first. */
export async function runsOf(db: Queryable, job: string): Promise<JobRun[]> {
  const { rows } = await db.query<JobRunRow>(
    `SELECT ${JOB_RUN_COLUMNS} FROM flotilla_job_runs WHERE job = $1 ORDER BY tick`,
    [job],
  );
  return rows.map(toJobRun);
}

/**
 * What ran for each tick from the first run to the last (`actual`), beside what running each tick
 * exactly once looks like (`expected`): one run, done, with one effect, every `periodMs`, so a
 * tick run twice or not at all shows up as a difference.
 */
export async function tickLedger(db: Queryable, job: string, periodMs: number) {
  const runs = await runsOf(db, job);
  const effects = new Map((await effectsPerTick(db)).map((row) => [row.tick, row.effects]));
  const first = Date.parse(runs[0]?.tick ?? '');
  const last = Date.parse(runs.at(-1)?.tick ?? '');
  const ticks = Array.from({ length: (last - first) / periodMs + 1 }, (_, index) =>
    new Date(first + index * periodMs).toISOString(),
  );
  return {
    actual: runs.map((run) => ({ tick: run.tick, status: run.status, effects: effects.get(run.tick) ?? 0 })),
    expected: ticks.map((tick) => ({ tick, status: 'done', effects: 1 })),
    effects: [...effects.values()].reduce((sum, count) => sum + count, 0),
  };
}

export interface Freezable {
  readonly db: Database;
  /** From now on the instance's new calls wait; those on a transaction already open go on. */
  freeze(): void;
  thaw(): void;
}

/**
 * The database as an instance that can be frozen sees it, like a process stopped mid-run (SIGSTOP,
 * a long GC pause, a partition): it does nothing more until thawed, and its lease runs out meanwhile.
 * With `freezeAfterClaim` it freezes right after its first successful claim of a run.
 */
export function freezable(db: Database, options: { freezeAfterClaim?: boolean } = {}): Freezable {
  let frozen: Promise<void> | undefined;
  let thaw = () => {};
  let claimed = false;
  const freeze = () => {
    frozen ??= new Promise<void>((resolve) => {
      thaw = () => {
        frozen = undefined;
        resolve();
      };
    });
  };
  const gate = async () => {
    while (frozen) await frozen;
  };
  return {
    db: {
      engine: db.engine,
      async query<R>(sql: string, params?: unknown[]) {
        await gate();
        const result = await db.query<R>(sql, params);
        if (
          options.freezeAfterClaim &&
          !claimed &&
          sql.includes('INSERT INTO flotilla_job_runs') &&
          result.rowCount > 0
        ) {
          claimed = true;
          freeze();
        }
        return result;
      },
      async transaction(fn) {
        await gate();
        return db.transaction(fn);
      },
      ping: () => db.ping(),
      listen: (channel, onNotify) => db.listen(channel, onNotify),
      poolStats: () => db.poolStats(),
      close: () => db.close(),
    },
    freeze,
    thaw: () => thaw(),
  };
}

/**
 * Starts `fixtures/job-process.ts` with `environment` (DATABASE_URL and SCHEMA, or DATA_DIR) and
 * resolves once its run is under way, with the tick it is stuck on: the moment to SIGKILL it.
 */
export async function startJobProcess(
  environment: Record<string, string>,
): Promise<{ child: ChildProcess; tick: string }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=flotilla-source',
      '--import',
      'tsx',
      fileURLToPath(new URL('./fixtures/job-process.ts', import.meta.url)),
    ],
    {
      cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
      env: { ...process.env, ...environment },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const tick = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('job process: no run under way within 30 s')), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        const running = /running (\S+)/.exec(chunk.toString());
        if (running) {
          clearTimeout(timer);
          resolve(running[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`job process exited with ${code}`)));
    });
    return { child, tick };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
