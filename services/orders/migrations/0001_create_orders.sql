create table orders (
  id text primary key,
  user_id text not null,
  -- Minor units (cents); bigint so a total never overflows.
  total bigint not null check (total >= 0),
  -- An Idempotency-Key makes a retried POST return the first order; the hash of the request
  -- tells a genuine retry from a different request reusing the key.
  idempotency_key text unique,
  request_hash text,
  created_at timestamptz not null default now()
);
create index orders_user_id_idx on orders (user_id, id);

create table order_lines (
  order_id text not null references orders (id) on delete cascade,
  line_no integer not null,
  sku text not null,
  quantity integer not null check (quantity > 0),
  unit_price bigint not null check (unit_price >= 0),
  primary key (order_id, line_no)
);
