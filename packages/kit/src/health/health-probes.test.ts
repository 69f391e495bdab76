import { describe, expect, it } from 'vitest';
import { FlotillaError } from '../errors/index.js';
import { HealthMonitor } from './health-monitor.js';
import { healthProbes } from './health-probes.js';

describe('health probes', () => {
  it('answers NOT_READY while starting or while a readiness check fails, naming the checks', async () => {
    const health = new HealthMonitor({ checkTimeoutMs: 100 });
    health.addCheck('database', async () => {
      throw new Error('down');
    });
    const probes = healthProbes(health);
    expect(await probes['/health/live']()).toEqual({ status: 'pass' });
    expect(await probes['/health/started']()).toMatchObject({ code: 'NOT_READY', detail: 'still starting' });
    health.markStarted();
    expect(await probes['/health/started']()).toEqual({ status: 'pass' });
    const ready = await probes['/health/ready']();
    expect(ready).toBeInstanceOf(FlotillaError);
    expect((ready as FlotillaError).extensions).toMatchObject({ checks: { database: { status: 'fail' } } });
  });
});
