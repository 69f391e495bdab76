import { describe, expect, it } from 'vitest';
import { testContext } from '../../testing/test-context.js';
import { pathCheck } from './index.js';

describe('path check', () => {
  it('sets the path and query of a target that passes', () => {
    const context = testContext({ url: '/api/users/1?expand=orders' });
    expect(pathCheck()(context)).toBeUndefined();
    expect([context.path, context.query]).toEqual(['/api/users/1', '?expand=orders']);
  });

  it('refuses a confusable target with 400 and never echoes it as the problem instance', () => {
    const context = testContext({ url: '/api/users/%2e%2e/admin' });
    expect(pathCheck()(context)).toMatchObject({
      code: 'BAD_REQUEST',
      detail: expect.stringContaining('dot'),
    });
    expect(context.path).toBe('');
  });
});
