import { setTimeout as sleep } from 'node:timers/promises';
import { type BackoffOptions, backoffDelay } from '../resilience/index.js';
import type { Logger } from '../telemetry/index.js';
import type { Registry } from './registry.js';
import type { ServiceInstance } from './service-instance.js';

/** What a watcher watches and where. */
export interface ServiceWatcherOptions {
  /** Asked with blocking queries. */
  readonly registry: Registry;
  /** The service whose instances it keeps. */
  readonly service: string;
  /** Where registry failures and changes are logged. */
  readonly logger?: Logger;
  /** Longest wait of one blocking query. */
  readonly waitMs?: number;
  /** Delays between tries while the registry is unreachable. */
  readonly backoff?: BackoffOptions;
  /** The backoff's jitter source; Math.random unless a test needs the delays fixed. */
  readonly random?: () => number;
}

/**
 * Keeps a local copy of one service's passing instances, following the registry with blocking
 * queries. When the registry cannot be reached it keeps serving the last list it had (a registry
 * outage must not take routing down with it) and retries with backoff and full jitter.
 */
export class ServiceWatcher {
  #instances: readonly ServiceInstance[] = [];
  #answered = false;
  #failing = false;
  readonly #firstAnswer: Promise<void>;
  #resolveFirst!: () => void;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(private readonly options: ServiceWatcherOptions) {
    this.#firstAnswer = new Promise((resolve) => {
      this.#resolveFirst = resolve;
    });
  }

  /** The watched service. */
  get service(): string {
    return this.options.service;
  }

  /** The last known passing instances (empty until the first answer). */
  get instances(): readonly ServiceInstance[] {
    return this.#instances;
  }

  /** True once the registry answered at least once. */
  get answered(): boolean {
    return this.#answered;
  }

  /** True while the registry is unreachable and the list may be stale. */
  get stale(): boolean {
    return this.#failing;
  }

  /** Resolves at the first answer or the first failure, whichever comes first. */
  firstAnswer(): Promise<void> {
    return this.#firstAnswer;
  }

  /** Starts watching; returns itself. */
  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  /** Stops watching and ends the pending query. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { registry, service, logger } = this.options;
    const signal = this.#stop.signal;
    const backoff = this.options.backoff ?? { initialDelayMs: 100, maxDelayMs: 10_000 };
    let failures = 0;
    let index: string | undefined;
    while (!signal.aborted) {
      try {
        const answer = await registry.healthy(service, {
          ...(index === undefined ? {} : { index }),
          ...(this.options.waitMs === undefined ? {} : { waitMs: this.options.waitMs }),
          signal,
        });
        const unchanged = answer.index !== undefined && answer.index === index;
        this.#instances = answer.instances;
        this.#answered = true;
        if (this.#failing) logger?.info({ service }, 'registry reachable again');
        this.#failing = false;
        failures = 0;
        index = answer.index;
        this.#resolveFirst();
        // A registry without blocking support would otherwise be polled in a tight loop.
        if (answer.index === undefined || unchanged) await pause(50, signal);
      } catch (error) {
        if (signal.aborted) break;
        if (!this.#failing) {
          logger?.warn(
            { service, err: error, instances: this.#instances.length },
            'registry unreachable; routing from the last known instances',
          );
        }
        this.#failing = true;
        index = undefined;
        this.#resolveFirst();
        failures++;
        await pause(backoffDelay(failures, backoff, this.options.random), signal);
      }
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}
