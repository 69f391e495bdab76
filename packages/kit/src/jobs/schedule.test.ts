import { describe, expect, it } from 'vitest';
import { schedule } from './schedule.js';

const noop = async () => {};
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('schedule', () => {
  it('reads five-field patterns in UTC by default, and six fields with seconds first', () => {
    const hourly = schedule('0 * * * *', noop, { name: 'hourly' });
    expect(hourly).toMatchObject({ timezone: 'UTC', missed: 'skip', maxAttempts: 5, leaseMs: 60_000 });
    expect(iso(hourly.nextTick(at('2026-03-01T10:30:00Z')))).toBe('2026-03-01T11:00:00.000Z');
    // Strictly after: a tick is never its own successor.
    expect(iso(hourly.nextTick(at('2026-03-01T11:00:00Z')))).toBe('2026-03-01T12:00:00.000Z');
    const everySecond = schedule('* * * * * *', noop, { name: 'every-second' });
    expect(iso(everySecond.nextTick(at('2026-03-01T10:30:00.250Z')))).toBe('2026-03-01T10:30:01.000Z');
  });

  it('reads the pattern in the time zone given', () => {
    const morning = schedule('0 9 * * *', noop, { name: 'morning', timezone: 'Europe/Stockholm' });
    expect(iso(morning.nextTick(at('2026-01-15T00:00:00Z')))).toBe('2026-01-15T08:00:00.000Z');
    expect(iso(morning.nextTick(at('2026-07-15T00:00:00Z')))).toBe('2026-07-15T07:00:00.000Z');
  });

  it('refuses what it cannot run', () => {
    expect(() => schedule('every hour', noop, { name: 'x' })).toThrow(/exactly five, six, or seven/);
    expect(() => schedule('0 0 30 2 *', noop, { name: 'x' })).toThrow(/never fires/);
    expect(() => schedule('0 * * * *', noop, { name: 'x', timezone: 'Mars/Olympus' })).toThrow(/timezone/i);
    expect(() => schedule('0 * * * *', noop, { name: 'a/b' })).toThrow(/not a job name/);
    expect(() => schedule('0 * * * *', noop, { name: 'x', maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});
