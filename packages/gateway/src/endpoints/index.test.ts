import { describe, expect, it } from 'vitest';
import { isReserved, OWN_PATHS } from './index.js';

describe('own endpoints', () => {
  it('reserve their first segments for the gateway, whole segments only', () => {
    for (const prefix of ['/health', '/health/x', '/metrics', '/docs/a/b'])
      expect(isReserved(prefix)).toBe(true);
    for (const prefix of ['/api/health', '/healthy', '/metricsx', '/api/docs'])
      expect(isReserved(prefix)).toBe(false);
    expect(OWN_PATHS.every((path) => isReserved(path))).toBe(true);
  });
});
