import type { Database, Queryable } from '../db/index.js';
import { relaxedCommit } from '../db/relaxed-commit.js';
import type { CloudEvent } from './cloud-event.js';

/** A retry-table row a relay holds under its lease. */
export interface RetryRow {
  readonly id: string;
  readonly seq: string;
  readonly key: string | null;
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
const CLAIM_LOCK_PREFIX = 'flotilla:outbox-retry:';

/**
 * Claims up to `batchSize` due rows of the retry table for `leaseMs`, in seq order. The table
 * holds only rows that failed and the rows held back behind them, so it is small, and the
 * updates here are the only ones the outbox sees.
 */
export async function claimRetryRows(
  db: Database,
  claim: { readonly relayId: string; readonly batchSize: number; readonly leaseMs: number },
): Promise<RetryRow[]> {
  const rows = await db.transaction(async (tx) => {
    // A claim lost in a database crash only delays its rows, so it need not wait for the disk.
    await tx.query(
      "SELECT pg_advisory_xact_lock(hashtextextended($1 || current_schema(), 0)), set_config('synchronous_commit', $2, true)",
      [CLAIM_LOCK_PREFIX, relaxedCommit(db)],
    );
    // A row waits behind the first row of its key that is backing off or claimed elsewhere.
    const { rows } = await tx.query<RetryRow>(
      `WITH blocked AS (
         SELECT key, min(seq) AS seq FROM flotilla_outbox_retry
         WHERE status = 'pending' AND (claimed_until >= now() OR (attempts > 0 AND next_attempt_at > now()))
         GROUP BY key)
       UPDATE flotilla_outbox_retry SET claimed_by = $2, claimed_until = now() + $3 * interval '1 millisecond'
       WHERE id = ANY(ARRAY(
         SELECT r.id FROM flotilla_outbox_retry r LEFT JOIN blocked b ON b.key = r.key
         WHERE r.status = 'pending' AND r.next_attempt_at <= now()
           AND (r.claimed_until IS NULL OR r.claimed_until < now())
           AND (b.seq IS NULL OR r.seq < b.seq)
         ORDER BY r.seq
         LIMIT $1
         FOR UPDATE OF r SKIP LOCKED))
       RETURNING id, seq, key, attempts, event`,
      [claim.batchSize, claim.relayId, claim.leaseMs],
    );
    return rows;
  });
  // RETURNING order is unspecified; the transport must see each key's events in seq order.
  return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
}

/** Forgets retried rows the transport confirmed: the outbox itself keeps the event. */
export async function deleteRetried(db: Database, ids: readonly string[]): Promise<void> {
  // Lost in a database crash, it means a resend the inbox absorbs: no need to wait for the disk.
  await db.query(
    `DELETE FROM flotilla_outbox_retry USING (SELECT set_config('synchronous_commit', $2, true)) AS relaxed
     WHERE id = ANY($1::uuid[])`,
    [ids, relaxedCommit(db)],
  );
}

/** Schedules each failed row's next attempt, or parks it after `maxAttempts`; answers the parked. */
export async function markFailed(
  db: Queryable,
  failed: readonly FailedRow[],
  maxAttempts: number,
): Promise<{ id: string; last_error: string }[]> {
  const { rows } = await db.query<{ id: string; status: string; last_error: string }>(
    `UPDATE flotilla_outbox_retry r SET
       attempts = r.attempts + 1,
       last_error = f.error,
       claimed_until = NULL,
       next_attempt_at = now() + f.delay * interval '1 millisecond',
       status = CASE WHEN r.attempts + 1 >= $4 THEN 'parked' ELSE 'pending' END
     FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS f(id, error, delay)
     WHERE r.id = f.id
     RETURNING r.id, r.status, r.last_error`,
    [
      failed.map((row) => row.id),
      failed.map((row) => row.error),
      failed.map((row) => row.delayMs),
      maxAttempts,
    ],
  );
  return rows.filter((row) => row.status === 'parked');
}

/** Whether any retry row is waiting: the relay skips its claim while there is none. */
export async function hasPendingRetries(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ waiting: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM flotilla_outbox_retry WHERE status = 'pending') AS waiting",
  );
  return rows[0]?.waiting === true;
}
