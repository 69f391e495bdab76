import { KeyedRunner } from '../keyed-runner.js';

/** Consumer transactions a subscribing service runs at once per transport consumer. */
export const CONSUMER_BATCHES = 2;

export interface DeliveryBatcherOptions<T> {
  /** Most items in one batch (the consumer's prefetch). */
  readonly maxBatch: number;
  /** Batches handled at once; more arrivals wait and join the next batch. */
  readonly concurrency: number;
  /** Handles one batch; settles when its items may be acknowledged or given back. */
  readonly handle: (items: T[]) => Promise<void>;
}

/**
 * Gathers deliveries that arrive close together into batches, one consumer transaction each.
 * While every slot is busy new arrivals queue, so batches grow with load and stay small when idle.
 * A batch waits for each earlier batch holding one of its keys, so every key commits in arrival
 * order.
 */
export class DeliveryBatcher<T> {
  readonly #options: DeliveryBatcherOptions<T>;
  readonly #runner = new KeyedRunner();
  #pending: { item: T; key: string | undefined }[] = [];
  #running = 0;
  #scheduled = false;

  constructor(options: DeliveryBatcherOptions<T>) {
    this.#options = options;
  }

  add(item: T, key: string | undefined): void {
    this.#pending.push({ item, key });
    this.#schedule();
  }

  /** Waits until everything added so far has been handled. */
  async idle(): Promise<void> {
    while (this.#pending.length > 0 || this.#running > 0) {
      this.#flush();
      await this.#runner.idle();
    }
  }

  // Deferred a turn so deliveries already read from the socket join the same batch.
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const { maxBatch, concurrency, handle } = this.#options;
    while (this.#running < concurrency && this.#pending.length > 0) {
      const batch = this.#pending.splice(0, maxBatch);
      this.#running++;
      this.#runner.run(
        batch.map((entry) => entry.key),
        async () => {
          try {
            await handle(batch.map((entry) => entry.item));
          } finally {
            this.#running--;
            if (this.#pending.length > 0) this.#schedule();
          }
        },
      );
    }
  }
}
