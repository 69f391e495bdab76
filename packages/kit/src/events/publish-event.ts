import { newId, type Queryable } from '../db/index.js';
import { schemaCheck, schemaErrors } from '../http/schema-check.js';
import type { CloudEvent } from './cloud-event.js';
import type { EventData, EventDefinition } from './event-definition.js';

/** The channel a relay is woken on by another instance's commits (see OutboxRelay.published). */
export const OUTBOX_CHANNEL = 'flotilla_outbox';

/** How an event is published, beside its data. */
export interface PublishOptions {
  /** Ordering key, carried as the CloudEvents `subject`: events with one key are delivered in order. */
  readonly key?: string;
  /** W3C traceparent of the work that caused the event. */
  readonly traceparent?: string;
}

/**
 * Writes the event to the outbox through `tx`, the caller's open transaction: committed with the
 * business write or not at all. On a `tx` from `db.transaction` the row is written just before the
 * commit, together with the transaction's other events; elsewhere at once. Throws on data that
 * does not match the event's schema, before any write, because a publisher sending invalid events
 * is a bug to surface at the source.
 */
export function publishEvent<D extends EventDefinition>(
  tx: Queryable,
  definition: D,
  data: EventData<D>,
  options: PublishOptions = {},
): Promise<CloudEvent<EventData<D>>> {
  return writeEvent(tx, definition, data, options);
}

/**
 * publishEvent, then `written` once the row is committed: after the commit on a `tx` from
 * `db.transaction` (once per transaction), else once it is written.
 */
export async function writeEvent<D extends EventDefinition>(
  tx: Queryable,
  definition: D,
  data: EventData<D>,
  options: PublishOptions,
  written?: () => void,
): Promise<CloudEvent<EventData<D>>> {
  const errors = schemaErrors(schemaCheck(definition.schema), data);
  if (errors) throw new Error(`publish ${definition.type}: data does not match its schema: ${errors}`);
  const event = cloudEvent(definition, data, options);
  const row: OutboxInsert = [event.id, event.type, options.key ?? null, JSON.stringify(event)];
  if (!tx.beforeCommit) {
    await writeOutbox(tx, [row]);
    written?.();
    return event;
  }
  // Rows of one transaction go in together at commit, in one statement.
  let gathered = pending.get(tx);
  if (!gathered) {
    const batch: Gathered = { rows: [], announced: false };
    gathered = batch;
    pending.set(tx, batch);
    tx.beforeCommit(() => writeOutbox(tx, batch.rows));
  }
  gathered.rows.push(row);
  if (written && !gathered.announced) {
    gathered.announced = true;
    if (tx.afterCommit) tx.afterCommit(written);
    else written();
  }
  return event;
}

/** The envelope of a new event of `definition`, unchecked: publishing checks the data first. */
export function cloudEvent<D extends EventDefinition>(
  definition: D,
  data: EventData<D>,
  options: PublishOptions & { readonly id?: string; readonly time?: string } = {},
): CloudEvent<EventData<D>> {
  return {
    specversion: '1.0',
    id: options.id ?? newId(),
    source: `/${definition.source}`,
    type: definition.type,
    ...(options.key === undefined ? {} : { subject: options.key }),
    time: options.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
  };
}

/** An outbox row's values, as the insert takes them. */
type OutboxInsert = [id: string, type: string, key: string | null, event: string];

/** A transaction's rows waiting for its commit, and whether a commit callback was registered. */
interface Gathered {
  readonly rows: OutboxInsert[];
  announced: boolean;
}

const pending = new WeakMap<Queryable, Gathered>();

/** Inserts the rows in order, so that `seq` follows publish order within the transaction. */
async function writeOutbox(tx: Queryable, rows: readonly OutboxInsert[]): Promise<void> {
  await tx.query(
    `INSERT INTO flotilla_outbox (id, type, key, event)
     SELECT id, type, key, event::jsonb
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS r(id, type, key, event, position)
     ORDER BY position`,
    [
      rows.map((row) => row[0]),
      rows.map((row) => row[1]),
      rows.map((row) => row[2]),
      rows.map((row) => row[3]),
    ],
  );
}
