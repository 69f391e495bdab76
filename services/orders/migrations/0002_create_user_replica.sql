-- A local copy of users, fed by users' events (user.created|updated|deleted), read only when users
-- itself cannot answer. A deleted user stays as a tombstone so a late, older event cannot bring it
-- back; (event_time, event_id) is the version of the event that last wrote the row, and an event
-- older than it changes nothing.
create table user_replica (
  id text primary key,
  name text,
  email text,
  created_at timestamptz,
  updated_at timestamptz,
  deleted boolean not null default false,
  event_time timestamptz not null,
  event_id text not null
);
