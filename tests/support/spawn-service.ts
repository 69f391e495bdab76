import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { TYPESCRIPT_NODE_ARGS } from './source-condition.js';

export const repositoryRoot = new URL('../../', import.meta.url).pathname;

export interface SpawnedService {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a TypeScript entry file as its own process, with only the given environment on top of PATH. */
export function spawnEntry(entry: string, environment: Record<string, string>) {
  return spawnCommand([process.execPath, ...TYPESCRIPT_NODE_ARGS, entry], environment);
}

/** Runs any program (a Python or Go service, say) with only the given environment on top of PATH. */
export function spawnCommand(argv: readonly string[], environment: Record<string, string>) {
  const [command, ...args] = argv;
  if (!command) throw new Error('spawnCommand needs a program');
  const child = spawn(command, args, {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, stdout, stderr, exited };
}

/**
 * Starts a service and waits for its "listening" log line (or its early exit): a TypeScript entry
 * file, or a whole command line for a program in another language.
 */
export async function spawnService(
  entry: string | readonly string[],
  environment: Record<string, string>,
  timeoutMs = 30_000,
): Promise<SpawnedService> {
  const spawned =
    typeof entry === 'string' ? spawnEntry(entry, environment) : spawnCommand(entry, environment);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A process that never said it listens would otherwise outlive the test.
      spawned.child.kill('SIGKILL');
      reject(new Error(`no listening line within ${timeoutMs} ms: ${spawned.stderr.join('')}`));
    }, timeoutMs);
    const onData = () => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(spawned.stdout.join(''));
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    spawned.child.stdout?.on('data', onData);
    void spawned.exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening: ${spawned.stderr.join('')}`));
    });
  });
  return { ...spawned, url };
}

/** Sends SIGKILL if the process is still running; for test clean-up. */
export async function kill(service: { child: ChildProcess; exited: Promise<unknown> } | undefined) {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGKILL');
  await service.exited;
}
