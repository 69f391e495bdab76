import { Gauge, type Registry } from 'prom-client';
import type { Database } from './database.js';

/** OpenTelemetry's `db.client.connection.*` pool metrics, read from the pool at scrape time. */
export function registerPoolGauges(registry: Registry, db: Database): void {
  new Gauge({
    name: 'db_client_connection_count',
    help: 'Connections in the pool, by state (used, idle).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const { total, idle } = db.poolStats();
      this.set({ state: 'used' }, total - idle);
      this.set({ state: 'idle' }, idle);
    },
  });
  new Gauge({
    name: 'db_client_connection_pending_requests',
    help: 'Queries waiting for a free connection.',
    registers: [registry],
    collect() {
      this.set(db.poolStats().waiting);
    },
  });
}
