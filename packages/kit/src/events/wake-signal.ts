import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A loop's pause that `wake()` cuts short. A wake that comes while the loop is busy is kept in
 * `woken` until the loop's next `reset()`, so the loop can go round again instead of pausing.
 */
export class WakeSignal {
  #woken = false;
  #pause: AbortController | undefined;

  get woken(): boolean {
    return this.#woken;
  }

  reset(): void {
    this.#woken = false;
  }

  wake(): void {
    this.#woken = true;
    this.#pause?.abort();
  }

  /** Resolves after `ms`, or as soon as `wake()` is called. */
  async pause(ms: number): Promise<void> {
    const pause = new AbortController();
    this.#pause = pause;
    // An abort is the wake this pause waits for, not a failure.
    await sleep(ms, undefined, { signal: pause.signal }).catch(() => {});
    if (this.#pause === pause) this.#pause = undefined;
  }
}
