-- One row per order placed. The kit's inbox applies each order.placed event once, so the handler
-- is a plain insert.
create table notifications (
  id text primary key,
  order_id text not null,
  user_id text not null,
  message text not null,
  created_at timestamptz not null default now()
);
create index notifications_user_id_idx on notifications (user_id, id);
