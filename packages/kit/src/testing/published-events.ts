import type { Queryable } from '../db/index.js';
import type { CloudEvent } from '../events/index.js';

/**
 * The events a service has published, oldest first, as its outbox holds them (whether or not the
 * relay has sent them yet): what a test asserts on after calling a route.
 *
 * @example
 * const [created] = await publishedEvents(service.context.db, 'billing.item.created');
 * expect(created?.data).toMatchObject({ name: 'first' });
 */
export async function publishedEvents<T = unknown>(db: Queryable, type?: string): Promise<CloudEvent<T>[]> {
  const { rows } = await db.query<{ event: CloudEvent<T> | string }>(
    type === undefined
      ? 'select event from flotilla_outbox order by seq'
      : 'select event from flotilla_outbox where type = $1 order by seq',
    type === undefined ? [] : [type],
  );
  return rows.map((row) => (typeof row.event === 'string' ? JSON.parse(row.event) : row.event));
}
