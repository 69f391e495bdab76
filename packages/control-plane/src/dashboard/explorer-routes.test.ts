import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView, ServiceView } from './dashboard-options.js';
import { registerDashboard } from './register-dashboard.js';
import type { ExplorerAnswer } from './send-through-gateway.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A gateway that serves a document and answers 201 with what it received. */
async function fakeGateway(seen: Seen[]): Promise<{ server: Server; view: InstanceView }> {
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    seen.push({ method: request.method!, url: request.url!, headers: request.headers, body });
    if (request.url === '/openapi.json') {
      response.setHeader('content-type', 'application/json');
      return response.end(JSON.stringify({ openapi: '3.0.3', paths: { '/api/users': {} } }));
    }
    response.writeHead(request.url === '/api/fail' ? 503 : 201, {
      'content-type': 'application/json',
      'x-request-id': 'r-1',
    });
    response.end(JSON.stringify({ received: body }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, view: { id: 'gateway-1', address: '127.0.0.1', port, health: 'passing' } };
}

async function dashboard(services: () => readonly ServiceView[], gatewayUrl?: string): Promise<HttpServer> {
  const app = await createHttpServer({
    name: 'control-plane',
    version: '0.1.0',
    logger: createLogger({ name: 'control-plane', level: 'silent' }),
  });
  registerDashboard(app, {
    listServices: async () => services(),
    ...(gatewayUrl ? { gatewayUrl } : {}),
  });
  return app;
}

describe('API explorer routes', () => {
  const seen: Seen[] = [];
  let gateway: Awaited<ReturnType<typeof fakeGateway>>;
  let services: ServiceView[];
  let app: HttpServer;

  beforeAll(async () => {
    gateway = await fakeGateway(seen);
    services = [{ name: 'gateway', instances: [gateway.view] }];
    app = await dashboard(() => services);
  });
  afterAll(async () => {
    await app.close();
    gateway.server.close();
  });

  const send = (payload: object) => app.inject({ method: 'POST', url: '/api/explorer/send', payload });

  it('serves the registered gateway’s aggregated document', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/explorer/openapi' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      gateway: `http://127.0.0.1:${gateway.view.port}`,
      document: { openapi: '3.0.3', paths: { '/api/users': {} } },
    });
  });

  it('sends through the gateway with a sampled traceparent and relays the answer with its timing', async () => {
    const response = await send({
      method: 'POST',
      path: '/api/users?x=1',
      headers: { authorization: 'Bearer t0ken', host: 'evil.example', 'x-custom': 'yes' },
      body: '{"name":"Ada"}',
    });
    expect(response.statusCode).toBe(200);
    const answer = response.json() as ExplorerAnswer;
    expect(answer).toMatchObject({
      status: 201,
      body: JSON.stringify({ received: '{"name":"Ada"}' }),
      truncated: false,
    });
    expect(answer.headers['x-request-id']).toBe('r-1');
    expect(answer.durationMs).toBeGreaterThan(0);
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/api/users?x=1' });
    expect(request.headers).toMatchObject({
      authorization: 'Bearer t0ken',
      'content-type': 'application/json',
      'x-custom': 'yes',
      host: `127.0.0.1:${gateway.view.port}`,
    });
    expect(request.headers.traceparent).toMatch(new RegExp(`^00-${answer.traceId}-[0-9a-f]{16}-01$`));
  });

  it('keeps a traceparent the caller gives, and relays the gateway’s own errors as answers', async () => {
    const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    const answer = (await send({ method: 'GET', path: '/api/fail', headers: { traceparent } })).json();
    expect(answer).toMatchObject({ status: 503, traceId: 'a'.repeat(32) });
    expect(seen.at(-1)?.headers.traceparent).toBe(traceparent);
  });

  it('refuses a path that would leave the gateway', async () => {
    for (const path of ['//elsewhere.example/x', 'http://elsewhere.example/']) {
      const response = await send({ method: 'GET', path });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('answers 503 without a registered gateway and 502 when the gateway cannot be reached', async () => {
    const registered = services;
    services = [];
    try {
      const response = await send({ method: 'GET', path: '/api/users' });
      expect([response.statusCode, response.json().code]).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
    } finally {
      services = registered;
    }
    const unreachable = await dashboard(() => [], 'http://127.0.0.1:1');
    try {
      const response = await unreachable.inject({
        method: 'POST',
        url: '/api/explorer/send',
        payload: { method: 'GET', path: '/api/users' },
      });
      expect([response.statusCode, response.json().code]).toEqual([502, 'BAD_GATEWAY']);
    } finally {
      await unreachable.close();
    }
  });
});
