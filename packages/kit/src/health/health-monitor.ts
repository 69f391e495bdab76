export type CheckStatus = 'pass' | 'fail';

export interface CheckResult {
  readonly status: CheckStatus;
  readonly durationMs: number;
  /** A short, client-safe reason; never a connection string or stack. */
  readonly reason?: string;
}

export interface ReadinessReport {
  readonly status: CheckStatus;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export type HealthCheck = (signal: AbortSignal) => Promise<void>;

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

  addCheck(name: string, check: HealthCheck): void {
    if (this.#checks.has(name)) throw new Error(`health check "${name}" is already registered`);
    this.#checks.set(name, check);
  }

  markStarted(): void {
    this.#started = true;
  }

  markShuttingDown(): void {
    this.#shuttingDown = true;
  }

  get started(): boolean {
    return this.#started;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

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
