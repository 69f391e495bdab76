/** The outcome of one check, or of all of them. */
export type CheckStatus = 'pass' | 'fail';

/** One check's outcome in a readiness report. */
export interface CheckResult {
  /** Whether it passed. */
  readonly status: CheckStatus;
  /** How long it took. */
  readonly durationMs: number;
  /** A short, client-safe reason; never a connection string or stack. */
  readonly reason?: string;
}

/** What `/health/ready` answers: 200 when `status` is pass, else 503. */
export interface ReadinessReport {
  /** `pass` when every check passed. */
  readonly status: CheckStatus;
  /** Each check by name, with `startup` or `shutdown` while the process is not serving. */
  readonly checks: Readonly<Record<string, CheckResult>>;
}

/** Resolves when the dependency is usable, throws (or times out) when not; `signal` aborts at the timeout. */
export type HealthCheck = (signal: AbortSignal) => Promise<void>;

/** How a health monitor runs its checks. */
export interface HealthMonitorOptions {
  /** How long one check may take before it counts as failed. */
  readonly checkTimeoutMs: number;
}

/**
 * Liveness, readiness and startup state of one process. Checks run in parallel, each under its own
 * timeout, so one hung dependency cannot hang the readiness probe.
 */
export class HealthMonitor {
  readonly #checks = new Map<string, HealthCheck>();
  readonly #timeoutMs: number;
  #started = false;
  #shuttingDown = false;

  constructor(options: HealthMonitorOptions) {
    this.#timeoutMs = options.checkTimeoutMs;
  }

  /** Adds a readiness check; names are unique. */
  addCheck(name: string, check: HealthCheck): void {
    if (this.#checks.has(name)) throw new Error(`health check "${name}" is already registered`);
    this.#checks.set(name, check);
  }

  /** The process has finished starting: readiness no longer fails on `startup`. */
  markStarted(): void {
    this.#started = true;
  }

  /** The process is stopping: readiness fails from now on, so traffic drains away. */
  markShuttingDown(): void {
    this.#shuttingDown = true;
  }

  /** Whether `markStarted` was called. */
  get started(): boolean {
    return this.#started;
  }

  /** Whether `markShuttingDown` was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Runs every check in parallel, each under the check timeout. */
  async readiness(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.#checks].map(async ([name, check]) => [name, await this.#run(check)] as const),
    );
    const checks: Record<string, CheckResult> = Object.fromEntries(entries);
    if (!this.#started) checks.startup = { status: 'fail', durationMs: 0, reason: 'starting' };
    if (this.#shuttingDown) checks.shutdown = { status: 'fail', durationMs: 0, reason: 'shutting down' };
    const status = Object.values(checks).every((check) => check.status === 'pass') ? 'pass' : 'fail';
    return { status, checks };
  }

  async #run(check: HealthCheck): Promise<CheckResult> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    try {
      await Promise.race([check(controller.signal), timeout]);
      return { status: 'pass', durationMs: elapsed(started) };
    } catch (error) {
      return { status: 'fail', durationMs: elapsed(started), reason: safeReason(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

// Driver messages can carry host names and credentials; the probe answer shows only their kind.
function safeReason(error: unknown): string {
  if (error instanceof Error && error.message.startsWith('timed out after')) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `failed (${code})` : 'failed';
}
