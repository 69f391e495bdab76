import { describe, expect, it } from 'vitest';
import { errorCatalogue, FlotillaError, fromProblem, problemType, toProblem } from './index.js';

describe('error catalogue', () => {
  it('gives every code a distinct problem type and a 4xx/5xx status', () => {
    const codes = Object.keys(errorCatalogue) as (keyof typeof errorCatalogue)[];
    expect(new Set(codes.map(problemType)).size).toBe(codes.length);
    for (const code of codes) {
      expect(errorCatalogue[code].status).toBeGreaterThanOrEqual(400);
      expect(errorCatalogue[code].status).toBeLessThan(600);
    }
  });

  it('marks only transient failures retryable', () => {
    expect(errorCatalogue.UPSTREAM_UNAVAILABLE.retryable).toBe(true);
    expect(errorCatalogue.RATE_LIMITED.retryable).toBe(true);
    expect(errorCatalogue.VALIDATION_FAILED.retryable).toBe(false);
    expect(errorCatalogue.INTERNAL.retryable).toBe(false);
  });
});

describe('toProblem', () => {
  it('keeps detail and field errors for client errors', () => {
    const error = new FlotillaError('VALIDATION_FAILED', {
      detail: 'email is not an email',
      errors: [{ field: '/body/email', message: 'must match format "email"' }],
    });
    expect(toProblem(error, { instance: '/users', traceId: 'abc' })).toEqual({
      type: 'urn:flotilla:problem:validation-failed',
      title: 'Request validation failed',
      status: 400,
      code: 'VALIDATION_FAILED',
      retryable: false,
      detail: 'email is not an email',
      errors: [{ field: '/body/email', message: 'must match format "email"' }],
      instance: '/users',
      traceId: 'abc',
    });
  });

  it('never exposes the message, stack or cause of an unknown error', () => {
    const secret = new Error('connect ECONNREFUSED 10.0.0.7:5432 SELECT * FROM users');
    const problem = toProblem(secret, { traceId: 't1' });
    expect(problem).toEqual({
      type: 'urn:flotilla:problem:internal',
      title: 'Internal error',
      status: 500,
      code: 'INTERNAL',
      retryable: false,
      traceId: 't1',
    });
    expect(JSON.stringify(problem)).not.toMatch(/ECONNREFUSED|SELECT|10\.0\.0\.7/);
  });

  it('hides the detail of a 5xx but keeps explicit extensions', () => {
    const error = new FlotillaError('UPSTREAM_UNAVAILABLE', {
      detail: 'socket hang up at 10.1.2.3',
      extensions: { upstream: 'users' },
    });
    const problem = toProblem(error);
    expect(problem.detail).toBeUndefined();
    expect(problem.upstream).toBe('users');
  });
});

describe('fromProblem', () => {
  it('restores a known code', () => {
    const error = fromProblem({ code: 'NOT_FOUND', detail: 'no user 7' }, 404);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.detail).toBe('no user 7');
  });

  it('maps a foreign body by status', () => {
    expect(fromProblem('<html>', 503).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(fromProblem(null, 418).code).toBe('BAD_REQUEST');
  });
});
