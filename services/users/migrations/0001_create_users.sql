create table users (
  id text primary key,
  name text not null,
  email text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Email addresses are compared case-insensitively: Ann@x.io and ann@x.io are one user.
create unique index users_email_key on users (lower(email));
