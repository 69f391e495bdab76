import { describe, expect, it } from 'vitest';
import { parseStartOptions } from './parse-start-options.js';

describe('parseStartOptions', () => {
  it('reads --instances in both spellings, several services per flag', () => {
    expect(parseStartOptions([], ['users'])).toEqual({ instances: {} });
    expect(parseStartOptions(['--instances', 'users=3'], ['users'])).toEqual({ instances: { users: 3 } });
    expect(parseStartOptions(['--instances=users=2,orders=1'], ['users', 'orders'])).toEqual({
      instances: { users: 2, orders: 1 },
    });
  });

  it('refuses bad flags with one clear line', () => {
    expect(() => parseStartOptions(['--instance', 'users=3'], ['users'])).toThrow(
      'unknown option "--instance"',
    );
    expect(() => parseStartOptions(['--instances'], ['users'])).toThrow(/needs a value/);
    expect(() => parseStartOptions(['--instances', 'users'], ['users'])).toThrow(/<service>=<count>/);
    expect(() => parseStartOptions(['--instances', 'billing=2'], ['users'])).toThrow(/no service "billing"/);
    expect(() => parseStartOptions(['--instances', 'users=0'], ['users'])).toThrow(/from 1 to 16/);
  });
});
