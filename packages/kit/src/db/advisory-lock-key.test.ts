import { describe, expect, it } from 'vitest';
import { advisoryLockKey } from './index.js';

describe('advisoryLockKey', () => {
  // Pinned: if the derivation changed, old and new versions of a service would migrate under
  // different locks during a rolling deploy.
  it('derives a stable signed 64-bit key from a name', () => {
    expect(advisoryLockKey('users')).toBe(9077934095341898502n);
    expect(advisoryLockKey('orders')).toBe(2023957755765852388n);
  });
});
