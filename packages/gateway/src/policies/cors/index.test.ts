import { describe, expect, it } from 'vitest';
import { testContext } from '../../testing/test-context.js';
import { ANSWERED } from '../policy.js';
import { cors } from './index.js';

const options = { origins: ['https://app.flotilla.test'], credentials: true, maxAgeSeconds: 60 };

describe('cors', () => {
  it('leaves a request without Origin alone', () => {
    const context = testContext();
    expect(cors(options)(context)).toBeUndefined();
    expect(context.response.getHeaderNames()).toEqual([]);
  });

  it('echoes an allowlisted origin with credentials and lets the request on', () => {
    const context = testContext({ headers: { origin: 'https://app.flotilla.test' } });
    expect(cors(options)(context)).toBeUndefined();
    expect(context.response.getHeaders()).toMatchObject({
      'x-request-id': context.requestId,
      vary: 'Origin',
      'access-control-allow-origin': 'https://app.flotilla.test',
      'access-control-allow-credentials': 'true',
    });
  });

  it('answers a preflight itself with 204, allowing nothing to an origin off the list', () => {
    const preflight = { origin: 'https://app.flotilla.test', 'access-control-request-method': 'DELETE' };
    const allowed = testContext({ method: 'OPTIONS', headers: preflight });
    expect(cors(options)(allowed)).toBe(ANSWERED);
    expect(allowed.response.statusCode).toBe(204);
    expect(allowed.response.getHeader('access-control-max-age')).toBe('60');
    const evil = testContext({ method: 'OPTIONS', headers: { ...preflight, origin: 'https://evil.test' } });
    expect(cors(options)(evil)).toBe(ANSWERED);
    expect(evil.response.getHeader('access-control-allow-origin')).toBeUndefined();
  });

  it('answers `*` for any origin, and refuses a malformed origin at start', () => {
    const context = testContext({ headers: { origin: 'https://any.test' } });
    cors({ origins: ['*'], credentials: false, maxAgeSeconds: 1 })(context);
    expect(context.response.getHeader('access-control-allow-origin')).toBe('*');
    expect(() => cors({ ...options, origins: ['https://app.test/path'] })).toThrow(/is not an origin/);
  });
});
