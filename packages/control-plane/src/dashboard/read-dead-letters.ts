/** One parked event, as an instance's dead-letter endpoint lists it (fields beyond `id` optional). */
export interface DeadLetterView {
  readonly id: string;
  readonly [field: string]: unknown;
}

/**
 * The entries of a dead-letter listing: a bare array, or one under `items`, `deadLetters` or `data`.
 * Entries without a string or numeric `id` cannot be redriven and are left out.
 */
export function readDeadLetters(body: unknown): DeadLetterView[] {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const list = Array.isArray(body) ? body : (record.items ?? record.deadLetters ?? record.data);
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) => {
    const id = (entry as { id?: unknown } | null)?.id;
    return typeof id === 'string' || typeof id === 'number' ? [{ ...(entry as object), id: String(id) }] : [];
  });
}
