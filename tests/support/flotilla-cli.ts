import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { TYPESCRIPT_NODE_ARGS } from './source-condition.js';
import { repositoryRoot } from './spawn-service.js';
import { until } from './until.js';

const flotilla = join(repositoryRoot, 'packages/cli/bin/flotilla.js');

export interface FlotillaOptions {
  /** The project directory: where `flotilla.config` is looked for and `.flotilla/` is written. */
  readonly cwd: string;
  /** The whole environment; the test's own when not given. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A `flotilla` process still running, with everything it printed so far. */
export interface RunningFlotilla {
  readonly child: ChildProcess;
  /** Its stdout and stderr as they came. */
  output(): string;
}

/** `flotilla <args>` from the repository's sources, as its own process. */
export function spawnFlotilla(args: readonly string[], options: FlotillaOptions): RunningFlotilla {
  const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, flotilla, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

/** `flotilla <args>` run to its end; rejects with its code and stderr when it exits non-zero. */
export function runFlotilla(args: readonly string[], options: FlotillaOptions) {
  return promisify(execFile)(process.execPath, [...TYPESCRIPT_NODE_ARGS, flotilla, ...args], options);
}

/** Signals `flotilla` (unless it has exited) and resolves with its exit code once it has stopped everything. */
export async function stopFlotilla(
  running: RunningFlotilla | undefined,
  signal: NodeJS.Signals,
): Promise<number | null | undefined> {
  if (!running) return undefined;
  if (running.child.exitCode !== null) return running.child.exitCode;
  const exited = once(running.child, 'exit');
  running.child.kill(signal);
  const [code] = await exited;
  return code as number | null;
}

export interface ReferenceSystemAddresses {
  readonly controlPlane: string;
  readonly gateway: string;
  /** The test's environment with the ports set and `extra` on top. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Free ports for the reference system's control plane and gateway, and the environment that gives
 * them; embedded databases under the project directory, not the engines the infra project points at.
 */
export async function referenceSystemAddresses(
  extra: NodeJS.ProcessEnv = {},
): Promise<ReferenceSystemAddresses> {
  const [controlPlanePort, gatewayPort] = [await freePort(), await freePort()];
  const controlPlane = `http://127.0.0.1:${controlPlanePort}`;
  return {
    controlPlane,
    gateway: `http://127.0.0.1:${gatewayPort}`,
    env: {
      ...process.env,
      CONTROL_PLANE_PORT: String(controlPlanePort),
      GATEWAY_PORT: String(gatewayPort),
      REGISTRY_URL: controlPlane,
      DATABASE_URL: '',
      ...extra,
    },
  };
}

export interface StartedReferenceSystem extends RunningFlotilla {
  /** The CLI's own figure from `all N process(es) ready in X s`. */
  readonly readySeconds: number;
}

/** The repository's reference system (its flotilla.config) by the real `flotilla start`, once all is ready. */
export async function startReferenceSystem(options: FlotillaOptions): Promise<StartedReferenceSystem> {
  const running = spawnFlotilla(['start', '--config', join(repositoryRoot, 'flotilla.config')], options);
  const ready = await until(
    'all ready',
    () => {
      if (running.child.exitCode !== null)
        throw new Error(`flotilla start exited early:\n${running.output()}`);
      return /all (\d+) process\(es\) ready in ([\d.]+) s/.exec(running.output()) ?? undefined;
    },
    60_000,
  );
  return { ...running, readySeconds: Number(ready[2]) };
}
