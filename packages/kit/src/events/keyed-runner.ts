/**
 * Runs tasks with the same key one after another and tasks with different keys side by side, so a
 * consumer handles up to its prefetch at once without reordering any key. The transport's prefetch
 * bounds how many are in flight; `idle()` waits for all of them.
 */
export class KeyedRunner {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();

  run(key: string | undefined, task: () => Promise<void>): void {
    const previous = key === undefined ? undefined : this.#tails.get(key);
    const next = (previous ?? Promise.resolve()).then(task, task);
    const settled = next.then(
      () => {},
      () => {},
    );
    if (key !== undefined) {
      this.#tails.set(key, settled);
      void settled.then(() => {
        if (this.#tails.get(key) === settled) this.#tails.delete(key);
      });
    }
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
  }

  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}

/** The ordering key of a delivered CloudEvent body (its `subject`), if it has one. */
export function keyOf(body: string): string | undefined {
  try {
    const subject = (JSON.parse(body) as { subject?: unknown }).subject;
    return typeof subject === 'string' ? subject : undefined;
  } catch {
    return undefined;
  }
}
