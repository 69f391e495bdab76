import type { Database } from '../db/index.js';
import type { CloudEvent } from './cloud-event.js';

/** An outbox row a relay holds under its lease. */
export interface ClaimedRow {
  readonly id: string;
  readonly seq: string;
  readonly attempts: number;
  readonly event: CloudEvent;
}

/** A row the transport did not take, and when it is due again. */
export interface FailedRow {
  readonly id: string;
  readonly error: string;
  readonly delayMs: number;
}

/**
 * Claims are serialised on this lock so per-key ordering holds across relay instances. Advisory
 * locks are database-wide, so the key includes the schema: one service's slow claim must not stall
 * the relays of other services sharing the database.
 */
const CLAIM_LOCK_PREFIX = 'flotilla:outbox-claim:';

/** Claims up to `batchSize` due rows for `leaseMs`, in seq order. */
export async function claimOutboxRows(
  db: Database,
  claim: { readonly relayId: string; readonly batchSize: number; readonly leaseMs: number },
): Promise<ClaimedRow[]> {
  const rows = await db.transaction(async (tx) => {
    // A claim lost in a database crash only delays its rows, so it need not wait for the disk.
    await tx.query(
      "SELECT pg_advisory_xact_lock(hashtextextended($1 || current_schema(), 0)), set_config('synchronous_commit', 'off', true)",
      [CLAIM_LOCK_PREFIX],
    );
    // A row waits behind the first row of its key that is backing off or claimed. That first
    // blocked seq is found once per key: a per-row NOT EXISTS was quadratic in the backlog and,
    // after a broker outage left every key blocked, one claim ran for minutes. Only rows that
    // were claimed or have failed can block (the flotilla_outbox_holding index holds just
    // those), and a row never tried is due whatever its insert time, so a claim reads its batch
    // and the rows in flight rather than the whole backlog. The batch is updated by primary
    // key (`= ANY`), not by a join the planner may turn into a scan of the table.
    const { rows } = await tx.query<ClaimedRow>(
      `WITH blocked AS (
         SELECT key, min(seq) AS seq FROM flotilla_outbox
         WHERE status = 'pending' AND (claimed_until IS NOT NULL OR attempts > 0)
           AND (claimed_until >= now() OR (attempts > 0 AND next_attempt_at > now()))
         GROUP BY key)
       UPDATE flotilla_outbox SET claimed_by = $2, claimed_until = now() + $3 * interval '1 millisecond'
       WHERE id = ANY(ARRAY(
         SELECT o.id FROM flotilla_outbox o LEFT JOIN blocked b ON b.key = o.key
         WHERE o.status = 'pending' AND (o.attempts = 0 OR o.next_attempt_at <= now())
           AND (o.claimed_until IS NULL OR o.claimed_until < now())
           AND (b.seq IS NULL OR o.seq < b.seq)
         ORDER BY o.seq
         LIMIT $1
         FOR UPDATE OF o SKIP LOCKED))
       RETURNING id, seq, attempts, event`,
      [claim.batchSize, claim.relayId, claim.leaseMs],
    );
    return rows;
  });
  // RETURNING order is unspecified; the transport must see each key's events in seq order.
  return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
}

export async function markSent(db: Database, ids: readonly string[]): Promise<void> {
  // A mark-sent lost in a database crash means a resend the inbox absorbs: no need to wait for
  // the disk (set_config applies to this statement's own transaction).
  await db.query(
    `UPDATE flotilla_outbox SET status = 'sent', sent_at = now(), claimed_until = NULL, last_error = NULL
     FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
     WHERE id = ANY($1::uuid[])`,
    [ids],
  );
}

/** Schedules each failed row's next attempt, or parks it after `maxAttempts`; answers the parked. */
export async function markFailed(
  db: Database,
  failed: readonly FailedRow[],
  maxAttempts: number,
): Promise<{ id: string; last_error: string }[]> {
  const { rows } = await db.query<{ id: string; status: string; last_error: string }>(
    `UPDATE flotilla_outbox o SET
       attempts = o.attempts + 1,
       last_error = f.error,
       claimed_until = NULL,
       next_attempt_at = now() + f.delay * interval '1 millisecond',
       status = CASE WHEN o.attempts + 1 >= $4 THEN 'parked' ELSE 'pending' END
     FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS f(id, error, delay)
     WHERE o.id = f.id
     RETURNING o.id, o.status, o.last_error`,
    [
      failed.map((row) => row.id),
      failed.map((row) => row.error),
      failed.map((row) => row.delayMs),
      maxAttempts,
    ],
  );
  return rows.filter((row) => row.status === 'parked');
}

export async function deleteSentRows(db: Database, retentionMs: number): Promise<void> {
  await db.query(
    `DELETE FROM flotilla_outbox WHERE status = 'sent' AND sent_at < now() - $1 * interval '1 millisecond'`,
    [retentionMs],
  );
}
