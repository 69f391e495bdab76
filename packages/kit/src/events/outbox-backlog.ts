import type { Queryable } from '../db/index.js';

/** The relay's work in hand, as `GET /events/outbox` and the outbox gauges report it. */
export interface OutboxBacklog {
  /** Outbox events not yet confirmed by the transport. */
  readonly pending: number;
  /** Age of the oldest of them, 0 when none: the relay's lag. */
  readonly oldestAgeSeconds: number;
}

/**
 * The relay's backlog in the service's own outbox: the committed rows past the saved cursor (see
 * outbox-cursor.ts), and the rows waiting in the retry table.
 */
export async function outboxBacklog(db: Queryable): Promise<OutboxBacklog> {
  const { rows } = await db.query<{ pending: string; oldest: number | null }>(
    `SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest FROM (
       SELECT o.created_at FROM flotilla_outbox o, flotilla_outbox_cursor c
       WHERE (o.tx >= pg_snapshot_xmax(c.done) OR o.tx = ANY(ARRAY(SELECT pg_snapshot_xip(c.done))))
         AND NOT (c.upto IS NOT NULL AND pg_visible_in_snapshot(o.tx, c.upto)
                  AND (o.tx, o.seq) <= (c.after_tx, c.after_seq))
       UNION ALL
       SELECT created_at FROM flotilla_outbox_retry WHERE status = 'pending') AS waiting`,
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestAgeSeconds: rows[0]?.oldest ?? 0 };
}
