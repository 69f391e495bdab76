-- Pending rows that can hold back the later rows of their key: claimed (in flight, or a dead
-- relay's claim not yet expired) or failed at least once (backing off). The relay's claim finds
-- blocked keys through this index, so a claim costs what its batch and the rows in flight cost,
-- not a pass over the whole backlog (quadratic while a large backlog drains).
CREATE INDEX flotilla_outbox_holding ON flotilla_outbox (key, seq)
  WHERE status = 'pending' AND (claimed_until IS NOT NULL OR attempts > 0);
