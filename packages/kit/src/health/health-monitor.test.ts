import { describe, expect, it } from 'vitest';
import { HealthMonitor } from './index.js';

describe('HealthMonitor', () => {
  it('is not ready before start, ready after, and not ready once shutting down', async () => {
    const monitor = new HealthMonitor({ checkTimeoutMs: 100 });
    monitor.addCheck('db', async () => {});
    expect((await monitor.readiness()).status).toBe('fail');
    monitor.markStarted();
    expect(await monitor.readiness()).toMatchObject({ status: 'pass', checks: { db: { status: 'pass' } } });
    monitor.markShuttingDown();
    expect(await monitor.readiness()).toMatchObject({
      status: 'fail',
      checks: { shutdown: { status: 'fail' } },
    });
  });

  it('fails a hung check at its timeout and reports each check separately', async () => {
    const monitor = new HealthMonitor({ checkTimeoutMs: 50 });
    monitor.markStarted();
    monitor.addCheck('hung', () => new Promise(() => {}));
    monitor.addCheck('broken', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    monitor.addCheck('fine', async () => {});
    const started = Date.now();
    const report = await monitor.readiness();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.status).toBe('fail');
    expect(report.checks.hung).toMatchObject({ status: 'fail', reason: 'timed out after 50 ms' });
    expect(report.checks.broken).toMatchObject({ status: 'fail', reason: 'failed (ECONNREFUSED)' });
    expect(report.checks.fine?.status).toBe('pass');
    expect(JSON.stringify(report)).not.toContain('10.0.0.1');
  });

  it('refuses a duplicate check name', () => {
    const monitor = new HealthMonitor({ checkTimeoutMs: 50 });
    monitor.addCheck('db', async () => {});
    expect(() => monitor.addCheck('db', async () => {})).toThrow('already registered');
  });
});
