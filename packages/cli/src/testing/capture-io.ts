import { PassThrough } from 'node:stream';
import type { Io } from '../io.js';

/** An Io whose output tests can read back; `interrupt()` plays Ctrl-C. */
export function captureIo(cwd: string, env: Record<string, string | undefined> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
  stderr.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk));
  let interrupt: (signal: NodeJS.Signals) => void = () => {};
  const interrupted = new Promise<NodeJS.Signals>((resolve) => {
    interrupt = resolve;
  });
  const io: Io = { stdout, stderr, cwd, env, interrupted };
  return {
    io,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupt: (signal: NodeJS.Signals = 'SIGINT') => interrupt(signal),
  };
}
