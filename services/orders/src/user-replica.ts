import type { Queryable } from '@flotilla/kit/db';
import { type CloudEvent, subscription } from '@flotilla/kit/events';
import { type User, UserCreated, UserDeleted, UserUpdated } from '@flotilla/users/contract';

/** What the replica knows of a user: its last known state, or that it was deleted. */
export type ReplicatedUser = { readonly deleted: false; readonly user: User } | { readonly deleted: true };

// Insert, or overwrite only a row written by an older event: users' events for one user arrive in
// order on every transport, but a redriven dead letter or a second users instance can bring an old one late.
const UPSERT = `insert into user_replica (id, name, email, created_at, updated_at, deleted, event_time, event_id)
  values ($1, $2, $3, $4, $5, $6, $7, $8)
  on conflict (id) do update set name = excluded.name, email = excluded.email,
    created_at = coalesce(excluded.created_at, user_replica.created_at),
    updated_at = coalesce(excluded.updated_at, user_replica.updated_at),
    deleted = excluded.deleted, event_time = excluded.event_time, event_id = excluded.event_id
  where (user_replica.event_time, user_replica.event_id) < (excluded.event_time, excluded.event_id)`;

async function applyUserEvent(event: CloudEvent, tx: Queryable): Promise<void> {
  const version = [event.time, event.id];
  if (event.type === UserDeleted.type) {
    const { id } = event.data as { id: string };
    await tx.query(UPSERT, [id, null, null, null, null, true, ...version]);
    return;
  }
  const user = event.data as User;
  await tx.query(UPSERT, [user.id, user.name, user.email, user.createdAt, user.updatedAt, false, ...version]);
}

/** Keeps `user_replica` in step with users; the kit's inbox applies each event once. */
export const userReplica = subscription(
  [UserCreated, UserUpdated, UserDeleted],
  (event, { tx }) => applyUserEvent(event, tx),
  { name: 'user-replica' },
);

interface ReplicaRow {
  id: string;
  name: string | null;
  email: string | null;
  created_at: Date | string | null;
  updated_at: Date | string | null;
  deleted: boolean;
}

/** The replica's view of a user; undefined when no event about it has arrived. */
export async function findReplicatedUser(db: Queryable, id: string): Promise<ReplicatedUser | undefined> {
  const { rows } = await db.query<ReplicaRow>(
    'select id, name, email, created_at, updated_at, deleted from user_replica where id = $1',
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.deleted) return { deleted: true };
  return {
    deleted: false,
    user: {
      id: row.id,
      name: row.name ?? '',
      email: row.email ?? '',
      createdAt: new Date(row.created_at ?? 0).toISOString(),
      updatedAt: new Date(row.updated_at ?? 0).toISOString(),
    },
  };
}
