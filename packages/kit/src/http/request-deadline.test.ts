import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { createHttpServer, type HttpServer } from './create-http-server.js';
import { DEADLINE_HEADER, remainingBudgetMs } from './request-deadline.js';

let app: HttpServer;
let handled = 0;

beforeAll(async () => {
  app = await createHttpServer({
    name: 't',
    version: '1',
    logger: createLogger({ name: 't', level: 'silent' }),
  });
  app.get('/budget', async (request) => {
    handled++;
    return { remaining: remainingBudgetMs(request) ?? null };
  });
  await app.ready();
});
afterAll(() => app.close());

const budget = async (header?: string) =>
  app.inject({ url: '/budget', headers: header === undefined ? {} : { [DEADLINE_HEADER]: header } });

describe('request deadline', () => {
  it('exposes the remaining budget to the handler', async () => {
    const response = await budget('500');
    const { remaining } = response.json();
    expect(remaining).toBeGreaterThan(400);
    expect(remaining).toBeLessThanOrEqual(500);
    expect((await budget()).json()).toEqual({ remaining: null });
  });

  it('refuses an expired deadline with 504 DEADLINE_EXCEEDED without running the handler', async () => {
    const before = handled;
    for (const expired of ['0', '-20']) {
      const response = await budget(expired);
      expect(response.statusCode).toBe(504);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().code).toBe('DEADLINE_EXCEEDED');
    }
    expect(handled).toBe(before);
  });

  it('ignores a malformed value', async () => {
    expect((await budget('soon')).json()).toEqual({ remaining: null });
  });
});
