import { newId, type Queryable } from '../db/index.js';

/** An event a subscription gave up on, kept for a look and a redrive (`/events/dead-letters`). */
export interface DeadLetter {
  /** The dead letter's id. */
  readonly id: string;
  /** The subscription that gave up. */
  readonly subscription: string;
  /** The event's id. */
  readonly eventId: string;
  /** The event's type; null when the payload was not a CloudEvent. */
  readonly eventType: string | null;
  /** The event as received (a CloudEvent in JSON, or the raw body when it was not one). */
  readonly payload: string;
  /** The transport's headers of the delivery. */
  readonly headers: Readonly<Record<string, string>>;
  /** Why the last attempt failed. */
  readonly error: string;
  /** Handler attempts made. */
  readonly attempts: number;
  /** When it was dead-lettered (ISO 8601). */
  readonly createdAt: string;
  /** When it was last handed back to the subscription; null if never. */
  readonly redrivenAt: string | null;
}

interface Row {
  id: string;
  subscription: string;
  event_id: string;
  event_type: string | null;
  payload: string;
  headers: Record<string, string>;
  error: string;
  attempts: number;
  created_at: Date | string;
  redriven_at: Date | string | null;
}

/** What is kept of an event given up on, for one subscription. */
export interface NewDeadLetter {
  readonly subscription: string;
  readonly eventId: string;
  readonly eventType: string | undefined;
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly error: string;
  readonly attempts: number;
}

/** Stores a dead letter; a redelivery of one already stored (its ack lost) refreshes the row. */
export async function storeDeadLetter(db: Queryable, letter: NewDeadLetter): Promise<void> {
  await db.query(
    `INSERT INTO flotilla_dead_letters (id, subscription, event_id, event_type, payload, headers, error, attempts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (subscription, event_id) DO UPDATE
       SET error = EXCLUDED.error, attempts = EXCLUDED.attempts, headers = EXCLUDED.headers, redriven_at = NULL`,
    [
      newId(),
      letter.subscription,
      letter.eventId,
      letter.eventType ?? null,
      letter.payload,
      JSON.stringify(letter.headers),
      letter.error,
      letter.attempts,
    ],
  );
}

/** Marks a dead letter as redriven, in the redrive's transaction when it has one. */
export async function markRedriven(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE flotilla_dead_letters SET redriven_at = now() WHERE id = $1', [id]);
}

const COLUMNS =
  'id, subscription, event_id, event_type, payload, headers, error, attempts, created_at, redriven_at';

/** Dead letters newest first; redriven ones only when asked. */
export async function listDeadLetters(
  db: Queryable,
  options: { limit: number; includeRedriven: boolean },
): Promise<DeadLetter[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM flotilla_dead_letters
     WHERE $2 OR redriven_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $1`,
    [options.limit, options.includeRedriven],
  );
  return rows.map(toDeadLetter);
}

/** The newest dead letters of one event, or of one event type (redriven ones too). */
export async function deadLettersOf(
  db: Queryable,
  filter: ({ readonly eventId: string } | { readonly eventType: string }) & { readonly limit: number },
): Promise<DeadLetter[]> {
  const [column, value] =
    'eventId' in filter ? ['event_id', filter.eventId] : ['event_type', filter.eventType];
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM flotilla_dead_letters WHERE ${column} = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [value, filter.limit],
  );
  return rows.map(toDeadLetter);
}

/** One dead letter by id. */
export async function findDeadLetter(db: Queryable, id: string): Promise<DeadLetter | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM flotilla_dead_letters WHERE id = $1`, [id]);
  return rows[0] && toDeadLetter(rows[0]);
}

function toDeadLetter(row: Row): DeadLetter {
  return {
    id: row.id,
    subscription: row.subscription,
    eventId: row.event_id,
    eventType: row.event_type,
    payload: row.payload,
    headers: row.headers,
    error: row.error,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
    redrivenAt: row.redriven_at === null ? null : new Date(row.redriven_at).toISOString(),
  };
}
