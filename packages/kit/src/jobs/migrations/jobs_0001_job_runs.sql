-- One row per run of a scheduled job: a tick of its schedule, or a "run now". Inserting the row is
-- the claim: of the instances that try to insert one tick, the unique (job, tick) lets exactly one
-- succeed. `claimed_by` and `attempts` name the claim allowed to finish the run, and
-- `claimed_until` is its lease: a run whose instance died is taken over once the lease has passed,
-- and the late finish of the first claim is then refused.
CREATE TABLE flotilla_job_runs (
  id uuid PRIMARY KEY,
  job text NOT NULL,
  tick timestamptz NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  status text NOT NULL CHECK (status IN ('running', 'retrying', 'done', 'dead')),
  attempts integer NOT NULL,
  claimed_by text NOT NULL,
  claimed_until timestamptz,
  next_attempt_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (job, tick)
);
-- The runs an instance may have to take over (retries coming due, leases running out): few at any
-- time, however long the history.
CREATE INDEX flotilla_job_runs_open ON flotilla_job_runs (tick) WHERE status IN ('running', 'retrying');
