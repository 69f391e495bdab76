import { FlotillaError } from '../errors/index.js';
import type { HealthMonitor } from './health-monitor.js';

/** The probes every service answers. */
export type ProbePath = '/health/live' | '/health/ready' | '/health/started';

/** A probe's answer: the body of a pass, or the NOT_READY error to answer as a 503 problem. */
export type ProbeAnswer = object | FlotillaError;

/**
 * The three probes by path, for any HTTP server: the services' routes and the gateway's own
 * endpoints answer them from here, so a probe means the same everywhere.
 */
export function healthProbes(health: HealthMonitor): Readonly<Record<ProbePath, () => Promise<ProbeAnswer>>> {
  return {
    '/health/live': async () => ({ status: 'pass' }),
    '/health/started': async () =>
      health.started ? { status: 'pass' } : new FlotillaError('NOT_READY', { detail: 'still starting' }),
    '/health/ready': async () => {
      const report = await health.readiness();
      if (report.status === 'pass') return report;
      return new FlotillaError('NOT_READY', {
        detail: 'a readiness check failed',
        extensions: { checks: report.checks },
      });
    },
  };
}
