import { CliError } from './cli-error.js';
import { httpJson, problemDetail } from './http-json.js';

/**
 * The dead-letter API every service with subscriptions exposes (the events part of the kit).
 * Paths live here only, so a change there is a change in this one file.
 */
export const DEAD_LETTERS_PATH = '/events/dead-letters';

export interface DeadLetter {
  readonly id: string;
  readonly type?: string;
  readonly subscription?: string;
  readonly attempts?: number;
  readonly error?: string;
  readonly failedAt?: string;
}

/** Accepts a bare array or `{ items: [...] }` / `{ deadLetters: [...] }`. */
function asList(body: unknown): DeadLetter[] | undefined {
  if (Array.isArray(body)) return body as DeadLetter[];
  const wrapped = body as { items?: unknown; deadLetters?: unknown } | undefined;
  const list = wrapped?.items ?? wrapped?.deadLetters;
  return Array.isArray(list) ? (list as DeadLetter[]) : undefined;
}

/** The instance's dead letters, or `undefined` when it has no dead-letter API (404). */
export async function listDeadLetters(baseUrl: string, timeoutMs = 2_000): Promise<DeadLetter[] | undefined> {
  const { status, body } = await httpJson(`${baseUrl}${DEAD_LETTERS_PATH}`, {
    timeoutMs,
    what: 'the service',
  });
  if (status === 404 || status === 405) return undefined;
  const list = asList(body);
  if (status !== 200 || !list) throw new CliError(`dead letters: ${problemDetail(body, status)}`);
  return list;
}

export async function redriveDeadLetter(baseUrl: string, id: string): Promise<void> {
  const { status, body } = await httpJson(
    `${baseUrl}${DEAD_LETTERS_PATH}/${encodeURIComponent(id)}/redrive`,
    {
      method: 'POST',
      body: {},
      what: 'the service',
    },
  );
  if (status >= 300) throw new CliError(`redrive ${id}: ${problemDetail(body, status)}`);
}
