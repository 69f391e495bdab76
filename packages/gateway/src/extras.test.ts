import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticBalancer } from '@flotilla/kit/discovery';
import { afterEach, describe, expect, it } from 'vitest';
import { echoUpstream } from './testing/echo-upstream.js';
import { startTestGateway, testRoute } from './testing/test-gateway.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function withUsers(overrides: Parameters<typeof startTestGateway>[2] = {}) {
  const users = await echoUpstream();
  const gateway = await startTestGateway(
    [testRoute({ prefix: '/api/users', service: 'users' })],
    staticBalancer({ users: [users.url] }),
    overrides,
  );
  cleanups.push(
    () => gateway.close(),
    () => users.close(),
  );
  return { users, gateway };
}

describe('CORS', () => {
  it('echoes only allowlisted origins, with credentials, and answers preflights', async () => {
    const { gateway } = await withUsers({
      cors: { origins: ['https://app.flotilla.test'], credentials: true, maxAgeSeconds: 60 },
    });
    const allowed = await fetch(`${gateway.url}/api/users/1`, {
      headers: { origin: 'https://app.flotilla.test' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.flotilla.test');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await fetch(`${gateway.url}/api/users/1`, { headers: { origin: 'https://evil.test' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(`${gateway.url}/api/users/1`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.flotilla.test', 'access-control-request-method': 'DELETE' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('DELETE');
  });

  it('refuses a wildcard with credentials at start', async () => {
    await expect(
      withUsers({ cors: { origins: ['*'], credentials: true, maxAgeSeconds: 1 } }),
    ).rejects.toThrow(/cannot be combined/);
  });
});

describe('load shedding', () => {
  it('answers 503 with Retry-After right after the event loop stalled', async () => {
    const { gateway } = await withUsers({
      shedding: { maxLagMs: 100, maxInFlight: 1_000, sampleEveryMs: 20 },
    });
    const pending = fetch(`${gateway.url}/api/users/1`);
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // A stalled event loop, as under saturation.
    }
    const response = await pending;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ code: 'OVERLOADED' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${gateway.url}/api/users/1`)).status).toBe(200);
  });

  it('answers 503 above the in-flight limit', async () => {
    const { gateway, users } = await withUsers({ shedding: { maxLagMs: 1_000, maxInFlight: 1 } });
    users.delayMs = 300;
    const slow = fetch(`${gateway.url}/api/users/1`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${gateway.url}/api/users/2`)).status).toBe(503);
    expect((await slow).status).toBe(200);
  });
});

describe('own routes', () => {
  it('serves health probes and metrics per route and upstream', async () => {
    const { gateway } = await withUsers();
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(200);
    await fetch(`${gateway.url}/api/users/1`);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*http_route="\/api\/users"[^}]*\} 1/,
    );
    expect(metrics).toMatch(
      /gateway_upstream_request_duration_seconds_count\{[^}]*upstream="users"[^}]*\} 1/,
    );
  });

  it('aggregates the routed services’ OpenAPI under their public paths, and serves /docs', async () => {
    const users: Server = createServer((request, response) => {
      if (request.url !== '/openapi.json') return response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          openapi: '3.0.3',
          paths: {
            '/users/{id}': { get: { responses: { 200: { $ref: '#/components/schemas/User' } } } },
            '/internal': { get: {} },
          },
          components: { schemas: { User: { type: 'object' } } },
        }),
      );
    });
    await new Promise<void>((resolve) => users.listen(0, '127.0.0.1', resolve));
    const gateway = await startTestGateway(
      [
        testRoute({ prefix: '/api/users', service: 'users' }),
        testRoute({ prefix: '/api/orders', service: 'orders' }),
      ],
      staticBalancer({ users: [`http://127.0.0.1:${(users.address() as AddressInfo).port}`] }),
    );
    cleanups.push(
      () => gateway.close(),
      () => new Promise((resolve) => users.close(() => resolve())),
    );
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(document.paths ?? {})).toEqual(['/api/users/{id}']);
    expect(document.components).toEqual({ schemas: { 'users.User': { type: 'object' } } });
    expect(JSON.stringify(document.paths)).toContain('#/components/schemas/users.User');
    expect(document['x-unavailable']).toEqual(['orders']);
    const docs = await fetch(`${gateway.url}/docs`);
    expect(docs.headers.get('content-type')).toContain('text/html');
    expect(await docs.text()).toContain('/openapi.json');
  });
});
