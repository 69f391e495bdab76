import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/index.js';

/**
 * Gauges read from the service's own tables at scrape time, so they are right whichever instance
 * is scraped and after any restart: the outbox backlog and its oldest row's age (the relay's lag),
 * and the dead letters not yet redriven.
 */
export function registerEventGauges(registry: Registry, db: Database): void {
  new Gauge({
    name: 'flotilla_outbox_pending',
    help: 'Outbox events not yet confirmed by the transport.',
    registers: [registry],
    async collect() {
      const { rows } = await db.query<{ pending: string; oldest: number | null }>(
        `SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
         FROM flotilla_outbox WHERE status = 'pending'`,
      );
      this.set(Number(rows[0]?.pending ?? 0));
      oldest.set(rows[0]?.oldest ?? 0);
    },
  });
  const oldest = new Gauge({
    name: 'flotilla_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest outbox event not yet confirmed (0 when none).',
    registers: [registry],
  });
  new Gauge({
    name: 'flotilla_dead_letters',
    help: 'Dead letters not yet redriven.',
    registers: [registry],
    async collect() {
      const { rows } = await db.query<{ count: string }>(
        'SELECT count(*) AS count FROM flotilla_dead_letters WHERE redriven_at IS NULL',
      );
      this.set(Number(rows[0]?.count ?? 0));
    },
  });
}
