import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedule } from '../jobs/index.js';
import { defineService, type RunningService, startService } from '../service/index.js';
import { testClock } from './test-clock.js';
import { type TestDatabase, testDatabase } from './test-database.js';

describe('testClock', () => {
  it('stands still until moved, forward or to a time', () => {
    const clock = testClock('2030-01-01T00:00:00Z');
    expect(clock.now()).toBe(Date.parse('2030-01-01T00:00:00Z'));
    clock.advance(1_500);
    expect(new Date(clock.now()).toISOString()).toBe('2030-01-01T00:00:01.500Z');
    clock.set(new Date('2029-12-31T23:00:00Z'));
    expect(new Date(clock.now()).toISOString()).toBe('2029-12-31T23:00:00.000Z');
    expect(() => testClock('not a time')).toThrow(/not a time/);
    expect(() => clock.set('later')).toThrow(/not a time/);
  });

  describe("as a service's clock", () => {
    const hourly = defineService({
      name: 'hourly',
      version: '1.0.0',
      jobs: [
        schedule(
          '0 * * * *',
          async ({ tx, tick }) => {
            await tx.query('CREATE TABLE IF NOT EXISTS ticks (tick timestamptz NOT NULL)');
            await tx.query('INSERT INTO ticks (tick) VALUES ($1)', [tick.toISOString()]);
          },
          { name: 'hourly' },
        ),
      ],
      routes: () => {},
    });
    const clock = testClock('2030-01-01T08:59:59Z');
    let database: TestDatabase;
    let service: RunningService;

    beforeAll(async () => {
      database = await testDatabase();
      service = await startService(hourly, { environment: { LOG_LEVEL: 'silent' }, database, clock });
    });

    afterAll(async () => {
      await service?.stop();
      await database?.dispose();
    });

    const listed = async () => {
      const { jobs } = (await (await fetch(`${service.url}/jobs`)).json()) as {
        jobs: { nextTick: string | null; runs: { tick: string; status: string }[] }[];
      };
      return jobs[0];
    };
    const runs = async () => (await listed())?.runs.map(({ tick, status }) => ({ tick, status }));

    it('runs a tick only once the clock reaches it, without waiting for it in real time', async () => {
      // The service reads the standing clock: its next tick is the clock's, not the machine's, and
      // nothing has run before it.
      expect(await listed()).toMatchObject({ nextTick: '2030-01-01T09:00:00.000Z', runs: [] });

      clock.advance(1_000);
      await expect
        .poll(runs, { timeout: 5_000 })
        .toEqual([{ tick: '2030-01-01T09:00:00.000Z', status: 'done' }]);

      clock.set('2030-01-01T09:59:59.999Z');
      clock.advance(1);
      await expect.poll(runs, { timeout: 5_000 }).toEqual([
        { tick: '2030-01-01T10:00:00.000Z', status: 'done' },
        { tick: '2030-01-01T09:00:00.000Z', status: 'done' },
      ]);
    });
  });
});
