import type { Queryable } from '../db/index.js';

/** One event for one subscription, as the inbox records it. */
export interface InboxEntry {
  readonly subscription: string;
  readonly eventId: string;
}

/**
 * Records the entries in the inbox inside the handlers' transaction and answers, per entry, whether
 * it is new (its handler is to run) or was there already (a redelivery: its effect happened). The
 * same entry twice in one call is new once.
 */
export async function recordInInbox(tx: Queryable, entries: readonly InboxEntry[]): Promise<boolean[]> {
  const { rows } = await tx.query<{ subscription: string; event_id: string }>(
    `INSERT INTO flotilla_inbox (subscription, event_id)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
     RETURNING subscription, event_id`,
    [entries.map((entry) => entry.subscription), entries.map((entry) => entry.eventId)],
  );
  const fresh = new Set(rows.map((row) => entryKey(row.subscription, row.event_id)));
  return entries.map((entry) => fresh.delete(entryKey(entry.subscription, entry.eventId)));
}

/** Whether the subscription has committed the event. */
export async function isInInbox(db: Queryable, entry: InboxEntry): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM flotilla_inbox WHERE subscription = $1 AND event_id = $2',
    [entry.subscription, entry.eventId],
  );
  return rowCount > 0;
}

function entryKey(subscription: string, eventId: string): string {
  return `${subscription}\n${eventId}`;
}
