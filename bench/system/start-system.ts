import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InstanceView } from '../../packages/cli/src/supervisor.js';
import type { SupervisorFile } from '../../packages/cli/src/supervisor-control.js';
import { freePort } from '../../tests/support/free-port.js';
import { TYPESCRIPT_NODE_ARGS } from '../../tests/support/source-condition.js';
import { until } from '../../tests/support/until.js';
import { procStat } from '../proc-stat.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export interface SystemOptions {
  /** The system file `flotilla start --config` is given. */
  readonly config: string;
  /** On top of this process's environment. */
  readonly environment: Record<string, string>;
  /** Where every process writes its CPU profile (`node --cpu-prof`), if anywhere. */
  readonly profileDir?: string | undefined;
}

/** A `flotilla start` running in a scratch directory of its own, on free ports. */
export interface RunningSystem {
  readonly gateway: string;
  /** Each running process's CPU seconds so far, by instance id (`flotilla`: the supervisor) and pid. */
  cpu(): Promise<Map<string, { pid: number; seconds: number }>>;
  /** The supervisor's view of every process (`GET /processes`): pid, state, restarts, URL. */
  processes(): Promise<InstanceView[]>;
  /** Everything `flotilla start` printed so far, the processes' logs included. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the system the way a user does — `flotilla start`, its output going to a file — in a
 * scratch copy of the data directory, and resolves once the CLI says every process is ready.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-bench-system-'));
  const [controlPlanePort, gatewayPort] = [await freePort(), await freePort()];
  const logFile = join(scratch, 'flotilla.log');
  const log = openSync(logFile, 'w');
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...TYPESCRIPT_NODE_ARGS,
      ...profile,
      join(root, 'packages/cli/src/main.ts'),
      'start',
      '--config',
      options.config,
    ],
    {
      cwd: scratch,
      env: {
        ...process.env,
        // The engines only when the variant names them.
        DATABASE_URL: '',
        EVENTS_URL: '',
        ...options.environment,
        CONTROL_PLANE_PORT: String(controlPlanePort),
        GATEWAY_PORT: String(gatewayPort),
      },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const exited = once(child, 'exit');
  const output = () => readFileSync(logFile, 'utf8');
  const processes = async () => {
    const file = JSON.parse(
      readFileSync(join(scratch, '.flotilla/supervisor.json'), 'utf8'),
    ) as SupervisorFile;
    const response = await fetch(`${file.url}/processes`);
    return (await response.json()) as InstanceView[];
  };
  const pids = async () => {
    const instances = await processes();
    return [
      ['flotilla', child.pid!] as const,
      ...instances.flatMap((instance) => (instance.pid ? [[instance.id, instance.pid] as const] : [])),
    ];
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const outcome = await until(
      'flotilla start: all processes ready',
      () => (child.exitCode !== null ? 'exited' : /all \d+ process\(es\) ready/.test(output())),
      120_000,
      250,
    );
    if (outcome === 'exited') throw new Error(`flotilla start exited:\n${output().slice(-4000)}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    gateway: `http://127.0.0.1:${gatewayPort}`,
    cpu: async () =>
      new Map(
        (await pids()).flatMap(([name, pid]) => {
          try {
            return [[name, { pid, seconds: procStat(pid).cpuSeconds }] as const];
          } catch {
            return []; // exited since it was listed: the restart shows as a changed pid next time
          }
        }),
      ),
    processes,
    output,
    stop,
  };
}
