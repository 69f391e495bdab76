import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/index.js';
import { outboxBacklog } from './outbox-backlog.js';

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
      const backlog = await outboxBacklog(db);
      this.set(backlog.pending);
      oldest.set(backlog.oldestAgeSeconds);
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
