import type { Queryable } from '../db/index.js';

export interface OutboxBacklog {
  /** Outbox events not yet confirmed by the transport. */
  readonly pending: number;
  /** Age of the oldest of them, 0 when none: the relay's lag. */
  readonly oldestAgeSeconds: number;
}

/** The relay's backlog in the service's own outbox. */
export async function outboxBacklog(db: Queryable): Promise<OutboxBacklog> {
  const { rows } = await db.query<{ pending: string; oldest: number | null }>(
    `SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
     FROM flotilla_outbox WHERE status = 'pending'`,
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestAgeSeconds: rows[0]?.oldest ?? 0 };
}
