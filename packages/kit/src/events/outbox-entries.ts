import type { Queryable } from '../db/index.js';
import type { CloudEvent } from './cloud-event.js';
import { handledBy } from './outbox-cursor.js';

/** An outbox event and where it stands with the relay. */
export interface OutboxEntry {
  readonly id: string;
  readonly type: string;
  readonly key: string | null;
  readonly event: CloudEvent;
  /** `sent`: the transport confirmed it; `parked`: it failed its attempts and waits for an operator. */
  readonly status: 'pending' | 'sent' | 'parked';
  /** Publish attempts that failed. */
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
}

/** Which of the outbox's events, and in what order. */
export interface OutboxEntriesFilter {
  /** Only these events. */
  readonly ids?: readonly string[];
  /** Only events of this type. */
  readonly type?: string;
  /** The newest first, instead of the oldest. */
  readonly newestFirst?: boolean;
  /** At most this many (the first in the order asked). */
  readonly limit?: number;
}

/**
 * The outbox's events (all of them, or those the filter selects), oldest first unless asked, with
 * their status read from the cursor and the retry table: the outbox rows themselves are never
 * updated.
 */
export async function outboxEntries(db: Queryable, filter: OutboxEntriesFilter = {}): Promise<OutboxEntry[]> {
  const { rows } = await db.query<OutboxEntry>(
    `SELECT o.id, o.type, o.key, o.event,
       CASE WHEN r.status IS NOT NULL THEN r.status WHEN ${handledBy('o', 'c')} THEN 'sent' ELSE 'pending' END
         AS status,
       coalesce(r.attempts, 0) AS attempts, r.last_error AS "lastError", o.created_at AS "createdAt"
     FROM flotilla_outbox o CROSS JOIN (SELECT * FROM flotilla_outbox_cursor LIMIT 1) AS c
     LEFT JOIN flotilla_outbox_retry r ON r.id = o.id
     WHERE ($1::uuid[] IS NULL OR o.id = ANY($1::uuid[])) AND ($2::text IS NULL OR o.type = $2)
     ORDER BY o.seq ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT $3`,
    [filter.ids ?? null, filter.type ?? null, filter.limit ?? null],
  );
  return rows;
}
