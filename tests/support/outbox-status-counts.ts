import type { Queryable } from '@flotilla/kit/db';
import { outboxEntries } from '@flotilla/kit/events';

/** How many of a database's outbox events are in each status, e.g. `{ sent: 90, parked: 10 }`. */
export async function outboxStatusCounts(db: Queryable): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const entry of await outboxEntries(db)) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
  return counts;
}
