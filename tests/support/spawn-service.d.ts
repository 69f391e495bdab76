import { type ChildProcess } from 'node:child_process';
export declare const repositoryRoot: string;
export interface SpawnedService {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;
}
/** Runs a TypeScript entry file as its own process, with only the given environment on top of PATH. */
export declare function spawnEntry(
  entry: string,
  environment: Record<string, string>,
): {
  child: import('child_process').ChildProcessByStdio<
    null,
    import('stream').Readable,
    import('stream').Readable
  >;
  stdout: string[];
  stderr: string[];
  exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;
};
/** Runs any program (a Python or Go service, say) with only the given environment on top of PATH. */
export declare function spawnCommand(
  argv: readonly string[],
  environment: Record<string, string>,
): {
  child: import('child_process').ChildProcessByStdio<
    null,
    import('stream').Readable,
    import('stream').Readable
  >;
  stdout: string[];
  stderr: string[];
  exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;
};
/**
 * Starts a service and waits for its "listening" log line (or its early exit): a TypeScript entry
 * file, or a whole command line for a program in another language.
 */
export declare function spawnService(
  entry: string | readonly string[],
  environment: Record<string, string>,
  timeoutMs?: number,
): Promise<SpawnedService>;
/** Sends SIGKILL if the process is still running; for test clean-up. */
export declare function kill(
  service:
    | {
        child: ChildProcess;
        exited: Promise<unknown>;
      }
    | undefined,
): Promise<void>;
//# sourceMappingURL=spawn-service.d.ts.map
