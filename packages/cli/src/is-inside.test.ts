import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside } from './is-inside.js';

describe('isInside', () => {
  const dir = join('/work', 'users');

  it('holds for the directory itself and anything under it', () => {
    expect(isInside(dir, dir)).toBe(true);
    expect(isInside(join(dir, 'src', 'main.ts'), dir)).toBe(true);
    expect(isInside(join(dir, '..cache', 'x'), dir)).toBe(true);
  });

  it('does not hold for parents, siblings sharing a prefix, or paths climbing out', () => {
    expect(isInside('/work', dir)).toBe(false);
    expect(isInside(join('/work', 'users-2', 'main.ts'), dir)).toBe(false);
    expect(isInside(`${dir}/../orders`, dir)).toBe(false);
  });
});
