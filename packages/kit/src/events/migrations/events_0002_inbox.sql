-- The inbox: one row per (subscription, event) whose handler committed, inserted in the same
-- transaction as the handler's effects, so a redelivered event has its effect once.
CREATE TABLE flotilla_inbox (
  subscription text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription, event_id)
);

-- Events a subscription could not process: kept with the error, attempts and original headers
-- until an operator redrives them.
CREATE TABLE flotilla_dead_letters (
  id uuid PRIMARY KEY,
  subscription text NOT NULL,
  event_id text NOT NULL,
  event_type text,
  payload text NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}',
  error text NOT NULL,
  attempts integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  redriven_at timestamptz,
  UNIQUE (subscription, event_id)
);
CREATE INDEX flotilla_dead_letters_open ON flotilla_dead_letters (created_at) WHERE redriven_at IS NULL;

-- Embedded transport: which subscriber has acknowledged which outbox event, so a retried event
-- goes only to the subscribers that have not had it, across restarts of either side.
CREATE TABLE flotilla_deliveries (
  event_id uuid NOT NULL,
  subscriber text NOT NULL,
  delivered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, subscriber)
);
