import { listDeadLetters } from './dead-letters-client.js';
import { httpJson } from './http-json.js';

/**
 * Optional JSON a service may expose beyond health: its circuit breakers (one per target) and its
 * outbox backlog. Paths live here only; anything absent or unreadable is `undefined`, shown as `-`.
 */
export const BREAKERS_PATH = '/internal/breakers';
export const OUTBOX_PATH = '/events/outbox';

export interface ServiceExtras {
  /** target service → closed | open | half-open */
  readonly breakers: Readonly<Record<string, string>> | undefined;
  readonly outboxPending: number | undefined;
  readonly deadLetters: number | undefined;
}

/** The kit's `{ breakers: [{ target, state }] }`, or `{ users: 'open' }` from other services. */
function asBreakers(answer: unknown): Record<string, string> | undefined {
  const body = (answer as { breakers?: unknown } | null)?.breakers ?? answer;
  if (Array.isArray(body)) {
    const entries = body
      .map((item) => item as { target?: unknown; service?: unknown; state?: unknown })
      .filter((item) => typeof item.state === 'string')
      .map((item) => [String(item.target ?? item.service), String(item.state)] as const);
    return Object.fromEntries(entries);
  }
  if (body === null || typeof body !== 'object') return undefined;
  const entries = Object.entries(body as Record<string, unknown>).map(([target, value]) => {
    const state = typeof value === 'string' ? value : (value as { state?: unknown } | null)?.state;
    return [target, typeof state === 'string' ? state : '?'] as const;
  });
  return Object.fromEntries(entries);
}

async function optional<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

export async function readServiceExtras(baseUrl: string, timeoutMs = 1_000): Promise<ServiceExtras> {
  const [breakers, outboxPending, deadLetters] = await Promise.all([
    optional(async () => {
      const { status, body } = await httpJson(`${baseUrl}${BREAKERS_PATH}`, { timeoutMs });
      return status === 200 ? asBreakers(body) : undefined;
    }),
    optional(async () => {
      const { status, body } = await httpJson<{ pending?: unknown }>(`${baseUrl}${OUTBOX_PATH}`, {
        timeoutMs,
      });
      return status === 200 && typeof body?.pending === 'number' ? body.pending : undefined;
    }),
    optional(async () => (await listDeadLetters(baseUrl, timeoutMs))?.length),
  ]);
  return { breakers, outboxPending, deadLetters };
}
