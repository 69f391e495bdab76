import type { Logger } from '@flotilla/kit/telemetry';
import type { CheckDefinition, CheckStatus } from './registration.js';
import type { ServiceCatalog } from './service-catalog.js';

export interface CheckRunnerOptions {
  readonly catalog: ServiceCatalog;
  readonly logger: Logger;
  /** How often due checks, TTL expiries and reaping are looked at. */
  readonly tickMs?: number;
  readonly clock?: () => number;
}

/** Consul keeps at most 4 KiB of a check's output. */
const MAX_OUTPUT = 4096;

/**
 * Runs the registry's side of health checking, as a Consul agent does: HTTP checks at their
 * Interval with their Timeout, TTL checks turning critical when not updated in time, and removal of
 * services whose check stayed critical past DeregisterCriticalServiceAfter.
 */
export class CheckRunner {
  readonly #nextRun = new Map<string, number>();
  readonly #running = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #clock: () => number;
  #timer: NodeJS.Timeout | undefined;
  #stopping = new AbortController();

  constructor(private readonly options: CheckRunnerOptions) {
    this.#clock = options.clock ?? Date.now;
  }

  start(): void {
    this.#timer = setInterval(() => this.tick(), this.options.tickMs ?? 100);
    this.#timer.unref();
    this.tick();
  }

  /** Resolves when every check running now has finished (each is bounded by its Timeout). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopping.abort();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** One pass over every check; public so tests can drive it without waiting for the timer. */
  tick(): void {
    const { catalog } = this.options;
    const now = this.#clock();
    const live = new Set<string>();
    for (const state of catalog.checks()) {
      const check = state.definition;
      live.add(check.checkId);
      if (check.kind === 'http') {
        const due = this.#nextRun.get(check.checkId) ?? now;
        if (due <= now && !this.#running.has(check.checkId)) this.#launch(check, now);
      } else if (
        state.ttlExpiresAt !== undefined &&
        now > state.ttlExpiresAt &&
        state.status !== 'critical'
      ) {
        catalog.setCheckStatus(check.checkId, 'critical', 'TTL expired');
      }
    }
    for (const checkId of this.#nextRun.keys()) if (!live.has(checkId)) this.#nextRun.delete(checkId);
    this.#reap(now);
  }

  #launch(check: CheckDefinition, now: number): void {
    this.#running.add(check.checkId);
    this.#nextRun.set(check.checkId, now + check.intervalMs);
    const run = runHttpCheck(check, this.#stopping.signal)
      .then(({ status, output }) => {
        if (this.#stopping.signal.aborted) return;
        // The check may have been deregistered or replaced while it ran.
        if (this.options.catalog.check(check.checkId)?.definition !== check) return;
        this.options.catalog.setCheckStatus(check.checkId, status, output);
      })
      .finally(() => {
        this.#running.delete(check.checkId);
        this.#inFlight.delete(run);
      });
    this.#inFlight.add(run);
  }

  #reap(now: number): void {
    const { catalog, logger } = this.options;
    for (const record of catalog.services()) {
      const expired = catalog
        .checksOf(record)
        .find(
          (state) =>
            state.definition.deregisterAfterMs !== undefined &&
            state.criticalSince !== undefined &&
            now - state.criticalSince >= state.definition.deregisterAfterMs,
        );
      if (expired) {
        catalog.deregister(record.definition.id);
        logger.info(
          { serviceId: record.definition.id, checkId: expired.definition.checkId },
          'deregistered a service critical past DeregisterCriticalServiceAfter',
        );
      }
    }
  }
}

/** Consul's HTTP check rule: 2xx passing, 429 warning, anything else (or no answer) critical. */
async function runHttpCheck(
  check: CheckDefinition,
  stopping: AbortSignal,
): Promise<{ status: CheckStatus; output: string }> {
  const url = check.http!;
  const headers = new Headers();
  for (const [name, values] of Object.entries(check.header))
    for (const value of values) headers.append(name, value);
  try {
    const response = await fetch(url, {
      method: check.method,
      headers,
      signal: AbortSignal.any([AbortSignal.timeout(check.timeoutMs), stopping]),
    });
    const body = (await response.text()).slice(0, MAX_OUTPUT);
    const status: CheckStatus = response.ok ? 'passing' : response.status === 429 ? 'warning' : 'critical';
    return {
      status,
      output: `HTTP ${check.method} ${url}: ${response.status} ${response.statusText} Output: ${body}`,
    };
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
        : describeFetchError(error);
    return { status: 'critical', output: `${check.method} "${url}": ${reason}` };
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
