import type { Queryable } from './database.js';

/** The `tx` a transaction hands out, and `settle`, to run its before-commit tasks, before COMMIT. */
export function transactionScope(query: Queryable['query']): { tx: Queryable; settle(): Promise<void> } {
  const tasks: (() => Promise<void>)[] = [];
  return {
    tx: { query, beforeCommit: (task) => void tasks.push(task) },
    async settle() {
      // A task may add another (a write that publishes); run until none is left.
      for (let task = tasks.shift(); task; task = tasks.shift()) await task();
    },
  };
}
