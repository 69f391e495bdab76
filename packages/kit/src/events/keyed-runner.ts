/**
 * Runs tasks that share a key one after another and tasks with no key in common side by side. A
 * task may hold several keys (a batch of events): it waits for the latest earlier task of each.
 * The transport's prefetch bounds how many are in flight; `idle()` waits for all of them.
 */
export class KeyedRunner {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();

  run(keys: string | undefined | readonly (string | undefined)[], task: () => Promise<void>): void {
    const held = [...new Set((Array.isArray(keys) ? keys : [keys]).filter((key) => key !== undefined))];
    const previous = held.flatMap((key) => this.#tails.get(key) ?? []);
    const next = (previous.length === 0 ? Promise.resolve() : Promise.all(previous)).then(task, task);
    const settled = next.then(
      () => {},
      () => {},
    );
    for (const key of held) {
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
