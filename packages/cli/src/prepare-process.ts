import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { build, type Message } from 'esbuild';
import type { ProcessSpec } from './system.js';

export interface PrepareOptions {
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Where paths in messages are relative to, and where a build without `cwd` runs. */
  readonly cwd: string;
  /** The build's output, one line at a time. */
  readonly output: (line: string) => void;
  /** Ends a build still running (SIGTERM), when the system stops. */
  readonly signal?: AbortSignal;
}

/** `file:line:column: text` (the file relative to the working directory), as editors link it. */
function formatMessage(message: Message): string {
  const where = message.location;
  return where ? `${where.file}:${where.line}:${where.column + 1}: ${message.text}` : message.text;
}

/**
 * Parses a JavaScript or TypeScript entry and every local file it imports (packages are left
 * alone), without running anything: a syntax error or a broken import is found here, in tens of
 * milliseconds, instead of by a process that crashes after the one it replaced has stopped.
 * Types are not checked; a `build` step does that for those who want it.
 */
async function checkSources(entry: string, cwd: string): Promise<string | undefined> {
  try {
    await build({
      absWorkingDir: cwd,
      entryPoints: [entry],
      bundle: true,
      write: false,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    return undefined;
  } catch (error) {
    const [first] = (error as { errors?: Message[] }).errors ?? [];
    return first ? formatMessage(first) : (error as Error).message;
  }
}

/** How much of a failed build's output its problem carries: compilers print the errors first. */
const BUILD_OUTPUT_LINES = 20;

async function runBuild(argv: readonly string[], options: PrepareOptions, cwd: string) {
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd,
    env: options.environment,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const head: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (head.length < BUILD_OUTPUT_LINES && line.trim() !== '') head.push(line);
      options.output(line);
    });
  }
  // 'close' rather than 'exit': the last lines of output are in by then.
  const result = await new Promise<number | null | Error>((resolve) => {
    child.once('error', resolve);
    child.once('close', resolve);
  });
  if (result instanceof Error) return `build \`${argv.join(' ')}\` could not run: ${result.message}`;
  if (result === 0) return undefined;
  return [`build \`${argv.join(' ')}\` failed (exit ${result ?? 'by signal'})`, ...head].join('\n');
}

/**
 * Makes a process ready to (re)start: its `build`, then, for a Node entry, a parse of its sources.
 * Resolves to the first problem found, or `undefined` when it may start. A problem's first line
 * says what failed; a failed build's first lines of output (its errors) follow it.
 */
export async function prepareProcess(
  spec: ProcessSpec,
  options: PrepareOptions,
): Promise<string | undefined> {
  if (spec.build) {
    const problem = await runBuild(spec.build, options, spec.cwd ?? options.cwd);
    if (problem) return problem;
  }
  return spec.entry && /\.[cm]?[jt]sx?$/.test(spec.entry) ? checkSources(spec.entry, options.cwd) : undefined;
}
