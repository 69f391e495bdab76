import type { Queryable } from '../db/index.js';
import { type DeadLetter, deadLettersOf } from './dead-letters.js';
import { outboxEntries } from './outbox-entries.js';

/** What the service's outbox knows of a published event. */
export interface LineageOutboxEntry {
  /** The event's id. */
  readonly id: string;
  /** The event's type. */
  readonly type: string;
  /** The event's CloudEvents `source`. */
  readonly source: string | null;
  /** `sent` once the transport confirmed it; `parked` after its last failed attempt. */
  readonly status: 'pending' | 'sent' | 'parked';
  /** Publish attempts that failed. */
  readonly attempts: number;
  /** The last publish error. */
  readonly error: string | null;
  /** When it was written to the outbox (ISO 8601). */
  readonly createdAt: string;
  /** The trace of the work that published it. */
  readonly traceparent: string | null;
}

/** One subscriber's acknowledgement of an event, as the embedded transport records it. */
export interface DeliveryEntry {
  /** The event's id. */
  readonly eventId: string;
  /** The subscribing service that acknowledged it. */
  readonly subscriber: string;
  /** When it acknowledged it (ISO 8601). */
  readonly deliveredAt: string;
}

/** An event a subscription of this service processed (its inbox row). */
export interface InboxEntry {
  /** The subscription that processed it. */
  readonly subscription: string;
  /** The event's id. */
  readonly eventId: string;
  /** When its handler committed (ISO 8601). */
  readonly processedAt: string;
}

/** An event a subscription of this service gave up on. */
export interface LineageDeadLetter {
  /** The dead letter's id, for a redrive. */
  readonly id: string;
  /** The subscription that gave up. */
  readonly subscription: string;
  /** The event's id. */
  readonly eventId: string;
  /** The event's type, when the payload was a readable CloudEvent. */
  readonly eventType: string | null;
  /** The handler's last error. */
  readonly error: string;
  /** Handler attempts made. */
  readonly attempts: number;
  /** When it was dead-lettered (ISO 8601). */
  readonly createdAt: string;
  /** When it was redriven, if it was. */
  readonly redrivenAt: string | null;
  /** The trace of the work that published the event. */
  readonly traceparent: string | null;
}

/** Everything one service's database knows of an event (by id) or of the recent events of a type. */
export interface EventLineage {
  /** The service whose database this is. */
  readonly service: string;
  /** The transport's kind: only `embedded` records per-subscriber deliveries. */
  readonly transport: string;
  /** The service's subscriptions: which publisher (`from`) and type patterns each takes. */
  readonly subscriptions: readonly { name: string; from: string; patterns: readonly string[] }[];
  /** The event as its publisher's outbox holds it (empty in a service that did not publish it). */
  readonly outbox: readonly LineageOutboxEntry[];
  /** Acknowledgements recorded by the embedded transport. */
  readonly deliveries: readonly DeliveryEntry[];
  /** This service's subscriptions that processed it. */
  readonly inbox: readonly InboxEntry[];
  /** This service's subscriptions that gave up on it. */
  readonly deadLetters: readonly LineageDeadLetter[];
}

export type LineageQuery = { readonly id: string } | { readonly type: string; readonly limit: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads an event's traces in this service's tables. By type only the outbox and dead letters can
 * answer (the inbox keeps ids, not types); the page then opens each event by id.
 */
export async function readEventLineage(
  db: Queryable,
  query: LineageQuery,
): Promise<Pick<EventLineage, 'outbox' | 'deliveries' | 'inbox' | 'deadLetters'>> {
  const outbox = await readOutboxEntries(db, query);
  const ids = 'id' in query ? [query.id] : outbox.map((entry) => entry.id);
  const uuids = ids.filter((id) => UUID.test(id));
  const deliveries =
    uuids.length === 0
      ? []
      : (
          await db.query<{ event_id: string; subscriber: string; delivered_at: Date | string }>(
            `SELECT event_id, subscriber, delivered_at FROM flotilla_deliveries
             WHERE event_id = ANY($1::uuid[]) ORDER BY delivered_at`,
            [uuids],
          )
        ).rows.map((row) => ({
          eventId: row.event_id,
          subscriber: row.subscriber,
          deliveredAt: isoOf(row.delivered_at),
        }));
  const inbox =
    'id' in query
      ? (
          await db.query<{ subscription: string; event_id: string; processed_at: Date | string }>(
            'SELECT subscription, event_id, processed_at FROM flotilla_inbox WHERE event_id = $1',
            [query.id],
          )
        ).rows.map((row) => ({
          subscription: row.subscription,
          eventId: row.event_id,
          processedAt: isoOf(row.processed_at),
        }))
      : [];
  const deadLetters = await deadLettersOf(
    db,
    'id' in query ? { eventId: query.id, limit: 100 } : { eventType: query.type, limit: query.limit },
  );
  return { outbox, deliveries, inbox, deadLetters: deadLetters.map(toLineageDeadLetter) };
}

/** The outbox's part, alone in one function: it follows how the outbox tells an event's status. */
async function readOutboxEntries(db: Queryable, query: LineageQuery): Promise<LineageOutboxEntry[]> {
  if ('id' in query && !UUID.test(query.id)) return [];
  const entries = await outboxEntries(
    db,
    'id' in query ? { ids: [query.id] } : { type: query.type, newestFirst: true, limit: query.limit },
  );
  return entries.map((entry) => ({
    id: entry.id,
    type: entry.type,
    source: entry.event.source,
    status: entry.status,
    attempts: entry.attempts,
    error: entry.lastError,
    createdAt: isoOf(entry.createdAt),
    traceparent: entry.event.traceparent ?? null,
  }));
}

function toLineageDeadLetter(letter: DeadLetter): LineageDeadLetter {
  return {
    id: letter.id,
    subscription: letter.subscription,
    eventId: letter.eventId,
    eventType: letter.eventType,
    error: letter.error,
    attempts: letter.attempts,
    createdAt: letter.createdAt,
    redrivenAt: letter.redrivenAt,
    traceparent: payloadTraceparent(letter.payload),
  };
}

/** The payload is the event as received: a CloudEvent carries its trace in `traceparent`. */
function payloadTraceparent(payload: string): string | null {
  try {
    const traceparent = (JSON.parse(payload) as { traceparent?: unknown }).traceparent;
    return typeof traceparent === 'string' ? traceparent : null;
  } catch {
    return null;
  }
}

function isoOf(value: Date | string): string {
  return new Date(value).toISOString();
}
