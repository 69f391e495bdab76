-- The transactional outbox: one row per published CloudEvent, written in the publisher's own
-- transaction. `seq` orders rows per key; the relay claims unsent rows (never a high-water mark),
-- so a transaction that commits after a later one is still picked up.
CREATE TABLE flotilla_outbox (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  type text NOT NULL,
  key text,
  event jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'parked')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_by text,
  claimed_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX flotilla_outbox_pending ON flotilla_outbox (seq) WHERE status = 'pending';
CREATE INDEX flotilla_outbox_pending_key ON flotilla_outbox (key, seq) WHERE status = 'pending';
CREATE INDEX flotilla_outbox_sent ON flotilla_outbox (sent_at) WHERE status = 'sent';
