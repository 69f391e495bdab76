-- The outbox becomes insert-only: the relay reads it with a cursor instead of updating each row
-- twice (claim, then mark sent). Each row records the transaction that wrote it; the cursor
-- advances from one snapshot to the next, taking the rows of the transactions that committed in
-- between, so a transaction that commits late is read late, never skipped, and a long one holds
-- back only its own rows. See docs/adr/0005-insert-only-outbox.md.
ALTER TABLE flotilla_outbox ADD COLUMN tx xid8 NOT NULL DEFAULT '0';
ALTER TABLE flotilla_outbox ALTER COLUMN tx SET DEFAULT pg_current_xact_id();

-- Rows the transport refused, and the later rows of their keys held back behind them: the only
-- outbox rows that are ever updated. `seq` is the order rows entered this table, which is the
-- cursor's order. Sent rows are deleted; parked ones stay for an operator.
CREATE TABLE flotilla_outbox_retry (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  key text,
  event jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'parked')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_by text,
  claimed_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL
);
CREATE INDEX flotilla_outbox_retry_pending ON flotilla_outbox_retry (seq) WHERE status = 'pending';
CREATE INDEX flotilla_outbox_retry_key ON flotilla_outbox_retry (key, seq) WHERE status = 'pending';

-- Rows not yet sent under the old scheme go on through the retry table, in their order.
INSERT INTO flotilla_outbox_retry (id, key, event, status, attempts, next_attempt_at, last_error, created_at)
SELECT id, key, event, status, attempts, next_attempt_at, last_error, created_at
FROM flotilla_outbox WHERE status IN ('pending', 'parked') ORDER BY seq;

DROP INDEX flotilla_outbox_pending;
DROP INDEX flotilla_outbox_pending_key;
DROP INDEX flotilla_outbox_sent;
DROP INDEX flotilla_outbox_holding;
ALTER TABLE flotilla_outbox
  DROP COLUMN status, DROP COLUMN attempts, DROP COLUMN next_attempt_at, DROP COLUMN claimed_by,
  DROP COLUMN claimed_until, DROP COLUMN last_error, DROP COLUMN sent_at;
CREATE UNIQUE INDEX flotilla_outbox_position ON flotilla_outbox (tx, seq);

-- One row: rows of transactions visible in `done` are handled; in the window up to `upto`, rows
-- up to (after_tx, after_seq) are too. One relay at a time holds the lease and moves it on.
CREATE TABLE flotilla_outbox_cursor (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  done pg_snapshot NOT NULL,
  upto pg_snapshot,
  after_tx xid8 NOT NULL DEFAULT '0',
  after_seq bigint NOT NULL DEFAULT 0,
  leased_by text,
  leased_until timestamptz
);
-- Every row present now (tx 0) is visible in this snapshot, so it is not read again.
INSERT INTO flotilla_outbox_cursor (done) VALUES (pg_current_snapshot());
