import { TypeCompiler } from '@sinclair/typebox/compiler';
import { newId, type Queryable } from '../db/index.js';
import type { CloudEvent } from './cloud-event.js';
import type { EventData, EventDefinition } from './event-definition.js';
import { schemaErrors } from './schema-errors.js';
import { registerSchemaFormats } from './schema-formats.js';

/** The channel the outbox announces new rows on; the relay listens to it. */
export const OUTBOX_CHANNEL = 'flotilla_outbox';

export interface PublishOptions {
  /** Ordering key, carried as the CloudEvents `subject`: events with one key are delivered in order. */
  readonly key?: string;
  /** W3C traceparent of the work that caused the event. */
  readonly traceparent?: string;
}

/**
 * Writes the event to the outbox through `tx`, the caller's open transaction: committed with the
 * business write or not at all. Throws on data that does not match the event's schema, before any
 * write, because a publisher sending invalid events is a bug to surface at the source.
 */
export async function publishEvent<D extends EventDefinition>(
  tx: Queryable,
  definition: D,
  data: EventData<D>,
  options: PublishOptions = {},
): Promise<CloudEvent<EventData<D>>> {
  const errors = schemaErrors(compiled(definition), data);
  if (errors) throw new Error(`publish ${definition.type}: data does not match its schema: ${errors}`);
  const event: CloudEvent<EventData<D>> = {
    specversion: '1.0',
    id: newId(),
    source: `/${definition.source}`,
    type: definition.type,
    ...(options.key === undefined ? {} : { subject: options.key }),
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
  };
  await tx.query('INSERT INTO flotilla_outbox (id, type, key, event) VALUES ($1, $2, $3, $4)', [
    event.id,
    event.type,
    options.key ?? null,
    JSON.stringify(event),
  ]);
  // Delivered at commit only, so the relay never wakes for a row it cannot see yet; once per
  // transaction is enough (PostgreSQL folds identical notifications anyway, after a round trip).
  if (!notified.has(tx)) {
    notified.add(tx);
    await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
  }
  return event;
}

const notified = new WeakSet<Queryable>();
const checkers = new WeakMap<EventDefinition, ReturnType<typeof TypeCompiler.Compile>>();

export function compiled(definition: EventDefinition) {
  let checker = checkers.get(definition);
  if (!checker) {
    registerSchemaFormats();
    checker = TypeCompiler.Compile(definition.schema);
    checkers.set(definition, checker);
  }
  return checker;
}
