import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { createHttpServer, type HttpServer } from './create-http-server.js';

let app: HttpServer;
let handled = 0;

beforeAll(async () => {
  app = await createHttpServer({
    name: 't',
    version: '1',
    logger: createLogger({ name: 't', level: 'silent' }),
  });
  app.post(
    '/things/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object({ q: Type.Optional(Type.String()) }),
        body: Type.Object({ tags: Type.Array(Type.Object({ name: Type.String() })) }),
      },
    },
    async () => {
      handled++;
      return { ok: true };
    },
  );
  await app.ready();
});
afterAll(() => app.close());

const post = (url: string, body: unknown) =>
  app.inject({
    method: 'POST',
    url,
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

describe('input the database could not store', () => {
  it('refuses NUL or a lone surrogate in a path parameter, the query or anywhere in the body with a 400 naming the field', async () => {
    const before = handled;
    const cases: [string, unknown, string][] = [
      ['/things/a%00b', { tags: [] }, '/params/id'],
      ['/things/1?q=%00', { tags: [] }, '/querystring/q'],
      ['/things/1', { tags: [{ name: 'ok' }, { name: 'x\u0000y' }] }, '/body/tags/1/name'],
      ['/things/1', { tags: [{ name: 'x\ud800' }] }, '/body/tags/0/name'],
    ];
    for (const [url, body, field] of cases) {
      const response = await post(url, body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field }] });
    }
    expect(handled).toBe(before);
    expect((await post('/things/1?q=fine', { tags: [{ name: 'ok 😀' }] })).statusCode).toBe(200);
  });

  it('answers a malformed percent-encoding in the path with a 400 problem, not a framework error', async () => {
    for (const url of ['/things/%ZZ', '/things/%ED%A0%80']) {
      const response = await post(url, { tags: [] });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ code: 'BAD_REQUEST', status: 400, title: 'Bad request' });
      expect(response.body).not.toContain('FST_ERR');
    }
  });
});
