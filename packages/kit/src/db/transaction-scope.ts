import type { Queryable } from './database.js';

/**
 * The `tx` a transaction hands out; `settle` runs its before-commit tasks (before COMMIT) and
 * `committed` its after-commit callbacks (after a COMMIT that succeeded). A callback that throws
 * goes to `onError`: the transaction has committed, so its caller must not see it fail.
 */
export function transactionScope(
  query: Queryable['query'],
  onError: (err: Error) => void,
): {
  tx: Queryable;
  settle(): Promise<void>;
  committed(): void;
} {
  const tasks: (() => Promise<void>)[] = [];
  const callbacks: (() => void)[] = [];
  return {
    tx: {
      query,
      beforeCommit: (task) => void tasks.push(task),
      afterCommit: (callback) => void callbacks.push(callback),
    },
    async settle() {
      // A task may add another (a write that publishes); run until none is left.
      for (let task = tasks.shift(); task; task = tasks.shift()) await task();
    },
    committed() {
      for (const callback of callbacks) {
        try {
          callback();
        } catch (error) {
          onError(error instanceof Error ? error : new Error(String(error)));
        }
      }
    },
  };
}
