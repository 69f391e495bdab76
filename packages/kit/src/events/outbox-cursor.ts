import type { Database, Queryable } from '../db/index.js';
import { relaxedCommit } from '../db/relaxed-commit.js';
import type { CloudEvent } from './cloud-event.js';

/**
 * Where the relay is in the outbox: the rows of transactions visible in `done` are handled, and
 * in the window of transactions that became visible between `done` and `upto`, the rows up to
 * (`afterTx`, `afterSeq`) are too. Snapshots are PostgreSQL `pg_snapshot` texts; `upto` is null
 * until the window's snapshot is taken.
 */
export interface CursorPosition {
  readonly done: string;
  readonly upto: string | null;
  readonly afterTx: string;
  readonly afterSeq: string;
}

/** An outbox row read past the cursor. */
export interface OutboxRow {
  readonly id: string;
  readonly tx: string;
  readonly seq: string;
  readonly key: string | null;
  readonly event: CloudEvent;
  /** Its key has an earlier row waiting in the retry table, so it must wait behind it. */
  readonly held: boolean;
}

/** A row that goes to the retry table instead of counting as sent. */
export interface RetryEntry {
  readonly id: string;
  /** Publish attempts so far: 0 for a row held back, 1 for a row the transport refused. */
  readonly attempts: number;
  readonly delayMs: number;
  readonly error: string | null;
}

const START = { afterTx: '0', afterSeq: '0' } as const;

/**
 * The SQL conditions on outbox row `row` for the rows past the snapshot `done`, as two ranges of
 * the (tx, seq) index: the transactions that were running at `done` (few), and those that began
 * after it. Each goes in its own branch of a UNION ALL, so that each is an index range scan:
 * rows already handled are never walked again, however long a transaction stays open.
 */
export function pastDone(row: string, done: string): readonly [running: string, later: string] {
  return [
    `${row}.tx = ANY(ARRAY(SELECT pg_snapshot_xip(${done})))`,
    `${row}.tx >= pg_snapshot_xmax(${done})`,
  ];
}

/** The SQL condition that outbox row `row` is handled by `cursor`, a flotilla_outbox_cursor row. */
export function handledBy(row: string, cursor: string): string {
  return `(pg_visible_in_snapshot(${row}.tx, ${cursor}.done)
    OR (${cursor}.upto IS NOT NULL AND pg_visible_in_snapshot(${row}.tx, ${cursor}.upto)
        AND (${row}.tx, ${row}.seq) <= (${cursor}.after_tx, ${cursor}.after_seq)))`;
}

/**
 * Takes or renews the cursor's lease, answering the saved position, or undefined while another
 * relay holds it. A lease lost with its relay costs only a delay, so it need not wait for the disk.
 */
export async function leaseCursor(
  db: Database,
  relayId: string,
  leaseMs: number,
): Promise<CursorPosition | undefined> {
  const { rows } = await db.query<CursorPosition>(
    `UPDATE flotilla_outbox_cursor SET leased_by = $1, leased_until = now() + $2 * interval '1 millisecond'
     FROM (SELECT set_config('synchronous_commit', $3, true)) AS relaxed
     WHERE leased_by = $1 OR leased_by IS NULL OR leased_until < now()
     RETURNING done::text AS done, upto::text AS upto, after_tx::text AS "afterTx", after_seq::text AS "afterSeq"`,
    [relayId, leaseMs, relaxedCommit(db)],
  );
  return rows[0];
}

/** Gives the lease up, so that another instance's relay goes on at once (a rolling restart). */
export async function releaseCursor(db: Queryable, relayId: string): Promise<void> {
  await db.query('UPDATE flotilla_outbox_cursor SET leased_by = NULL WHERE leased_by = $1', [relayId]);
}

/**
 * The next rows after `from`, in (transaction id, seq) order, and the position after them. Only
 * the window's rows are read, in the two ranges past `done` (see pastDone). A window is finished
 * when a read comes back short; the next read takes a new snapshot.
 */
export async function readOutbox(
  db: Queryable,
  from: CursorPosition,
  batchSize: number,
): Promise<{ rows: OutboxRow[]; next: CursorPosition }> {
  const [running, later] = pastDone('o', 'w.done');
  const { rows } = await db.query<{ upto: string } & Partial<OutboxRow>>(
    `WITH w AS (SELECT $1::pg_snapshot AS done, coalesce($2::pg_snapshot, pg_current_snapshot()) AS upto),
     batch AS (
       (SELECT o.id, o.tx, o.seq, o.key, o.event FROM flotilla_outbox o, w
        WHERE ${running}
          AND (o.tx, o.seq) > ($3::xid8, $4::bigint) AND pg_visible_in_snapshot(o.tx, w.upto)
        ORDER BY o.tx, o.seq LIMIT $5)
       UNION ALL
       (SELECT o.id, o.tx, o.seq, o.key, o.event FROM flotilla_outbox o, w
        WHERE ${later} AND o.tx < pg_snapshot_xmax(w.upto)
          AND (o.tx, o.seq) > ($3::xid8, $4::bigint) AND pg_visible_in_snapshot(o.tx, w.upto)
        ORDER BY o.tx, o.seq LIMIT $5)
       ORDER BY tx, seq LIMIT $5)
     SELECT w.upto::text AS upto, b.id, b.tx::text AS tx, b.seq::text AS seq, b.key, b.event,
       b.key IS NOT NULL AND EXISTS (
         SELECT 1 FROM flotilla_outbox_retry r WHERE r.key = b.key AND r.status = 'pending') AS held
     FROM w LEFT JOIN batch b ON true
     ORDER BY b.tx, b.seq`,
    [from.done, from.upto, from.afterTx, from.afterSeq, batchSize],
  );
  const upto = rows[0]!.upto;
  // An empty batch is one row of nulls (the LEFT JOIN). The rows keep the snapshot's column rather
  // than each being copied to drop it.
  const read = (rows[0]!.id == null ? [] : rows) as OutboxRow[];
  const last = read.at(-1);
  const next: CursorPosition =
    read.length < batchSize || !last
      ? { done: upto, upto: null, ...START }
      : { done: from.done, upto, afterTx: last.tx, afterSeq: last.seq };
  return { rows: read, next };
}

/**
 * Saves the position once everything before it was confirmed or moved to the retry table, in one
 * statement with that move, and renews the lease; false when the lease was lost (the new holder
 * starts from the saved position, and the inbox absorbs what both sent). Losing the save in a
 * database crash means a resend, so it need not wait for the disk. Answers the rows parked.
 */
export async function saveCursor(
  db: Database,
  save: {
    readonly relayId: string;
    readonly leaseMs: number;
    readonly position: CursorPosition;
    readonly retry: readonly RetryEntry[];
    readonly maxAttempts: number;
  },
): Promise<{ saved: boolean; parked: { id: string; last_error: string }[] }> {
  const { position, retry } = save;
  const { rows } = await db.query<{ saved: boolean; parked: { id: string; last_error: string }[] | null }>(
    `WITH moved AS (
       UPDATE flotilla_outbox_cursor SET done = $2::pg_snapshot, upto = $3::pg_snapshot, after_tx = $4::xid8,
         after_seq = $5::bigint, leased_until = now() + $6 * interval '1 millisecond'
       FROM (SELECT set_config('synchronous_commit', $12, true)) AS relaxed
       WHERE leased_by = $1
       RETURNING 1),
     retried AS (
       INSERT INTO flotilla_outbox_retry (id, key, event, status, attempts, next_attempt_at, last_error, created_at)
       SELECT o.id, o.key, o.event, CASE WHEN f.attempts >= $11 THEN 'parked' ELSE 'pending' END,
         f.attempts, now() + f.delay * interval '1 millisecond', f.error, o.created_at
       FROM unnest($7::uuid[], $8::int[], $9::float8[], $10::text[]) WITH ORDINALITY AS f(id, attempts, delay, error, position)
       JOIN flotilla_outbox o ON o.id = f.id
       WHERE EXISTS (SELECT 1 FROM moved)
       ORDER BY f.position
       ON CONFLICT (id) DO NOTHING
       RETURNING id, status, last_error)
     SELECT EXISTS (SELECT 1 FROM moved) AS saved,
       (SELECT json_agg(json_build_object('id', id, 'last_error', last_error)) FROM retried
        WHERE status = 'parked') AS parked`,
    [
      save.relayId,
      position.done,
      position.upto,
      position.afterTx,
      position.afterSeq,
      save.leaseMs,
      retry.map((row) => row.id),
      retry.map((row) => row.attempts),
      retry.map((row) => row.delayMs),
      retry.map((row) => row.error),
      save.maxAttempts,
      relaxedCommit(db),
    ],
  );
  return { saved: rows[0]?.saved === true, parked: rows[0]?.parked ?? [] };
}

/**
 * Deletes up to `limit` of the oldest handled rows written longer ago than the retention; answers
 * how many. Walks the (tx, seq) index from its start, so each call costs what it deletes.
 */
export async function pruneOutbox(db: Queryable, retentionMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM flotilla_outbox WHERE (tx, seq) IN (
       SELECT tx, seq FROM flotilla_outbox
       WHERE tx < pg_snapshot_xmin((SELECT done FROM flotilla_outbox_cursor))
       ORDER BY tx, seq LIMIT $2)
     AND created_at < now() - $1 * interval '1 millisecond'`,
    [retentionMs, limit],
  );
  return rowCount;
}
