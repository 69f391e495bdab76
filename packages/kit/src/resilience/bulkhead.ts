import { type BulkheadPolicy, bulkhead } from 'cockatiel';

/** How many calls run at once, and how many wait. */
export interface BulkheadOptions {
  /** Calls in flight at once. */
  readonly maxConcurrent: number;
  /** Calls that may wait for a slot; beyond it, calls are rejected at once. */
  readonly maxQueue: number;
}

/** A cap on concurrent calls with a bounded queue (cockatiel's bulkhead). */
export function bulkheadPolicy(options: BulkheadOptions): BulkheadPolicy {
  return bulkhead(options.maxConcurrent, options.maxQueue);
}
