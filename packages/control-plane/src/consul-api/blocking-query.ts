import { setTimeout as sleep } from 'node:timers/promises';
import { parseGoDuration } from '../registry/go-duration.js';
import type { ServiceCatalog } from '../registry/service-catalog.js';

export interface BlockingQuery {
  readonly index: number;
  readonly waitMs: number;
}

/** Consul's limits: `wait` defaults to 5 minutes and is capped at 10. */
const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;

/** Reads `index` and `wait`; throws with Consul's 400 message when one is malformed. */
export function parseBlockingQuery(query: Record<string, unknown>): BlockingQuery {
  let index = 0;
  const rawIndex = single(query.index);
  if (rawIndex !== undefined && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex)) throw new BadQuery('Invalid index');
    index = Number(rawIndex);
  }
  let waitMs = DEFAULT_WAIT_MS;
  const rawWait = single(query.wait);
  if (rawWait !== undefined && rawWait !== '') {
    try {
      // Consul accepts a bare number of seconds too.
      waitMs = /^\d+$/.test(rawWait) ? Number(rawWait) * 1000 : parseGoDuration(rawWait);
    } catch {
      throw new BadQuery('Invalid wait time');
    }
    if (waitMs < 0) throw new BadQuery('Invalid wait time');
  }
  return { index, waitMs: Math.min(waitMs, MAX_WAIT_MS) };
}

export class BadQuery extends Error {
  override readonly name = 'BadQuery';
}

/**
 * Holds a request until `currentIndex()` moves past `query.index`, the wait (plus Consul's jitter of
 * up to wait/16) elapses, the client goes away, or the registry closes. An index from the future
 * (a client that watched a registry which has since lost its state) answers at once, so the client
 * sees the index go backwards and resets, instead of hanging for the whole wait.
 */
export async function awaitChange(
  catalog: ServiceCatalog,
  currentIndex: () => number,
  query: BlockingQuery,
  gone: AbortSignal,
): Promise<void> {
  if (query.index === 0 || query.index > catalog.index) return;
  const timer = new AbortController();
  const waitMs = query.waitMs + Math.random() * (query.waitMs / 16);
  const expired = sleep(waitMs, 'expired' as const, { signal: AbortSignal.any([timer.signal, gone]) }).catch(
    () => 'expired' as const,
  );
  try {
    while (currentIndex() <= query.index && !catalog.closed) {
      const outcome = await Promise.race([catalog.nextChange().then(() => 'changed' as const), expired]);
      if (outcome === 'expired') return;
    }
  } finally {
    timer.abort();
  }
}

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' ? value : undefined;
}
