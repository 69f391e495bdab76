import { type BreakerReading, toBreakerState } from './breaker-state.js';

/**
 * Reads an instance's breaker JSON endpoint tolerantly: an array of `{ target | name | service,
 * state }`, the same under a `breakers` key, or a map `{ users: 'open' }` / `{ users: { state } }`.
 * Entries it cannot read are left out.
 */
export function readBreakersJson(body: unknown): BreakerReading[] {
  const list = Array.isArray(body) ? body : (body as { breakers?: unknown } | null)?.breakers;
  if (Array.isArray(list)) return list.flatMap((entry) => fromEntry(undefined, entry));
  if (typeof list === 'object' && list !== null) return fromMap(list);
  if (typeof body === 'object' && body !== null) return fromMap(body);
  return [];
}

function fromMap(map: object): BreakerReading[] {
  return Object.entries(map).flatMap(([target, entry]) => fromEntry(target, entry));
}

function fromEntry(key: string | undefined, entry: unknown): BreakerReading[] {
  const record = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
  const target = [record.target, record.name, record.service, key].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  const state = toBreakerState(typeof entry === 'object' ? record.state : entry);
  return target && state ? [{ target, state }] : [];
}
