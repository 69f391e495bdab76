import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticBalancer } from '@flotilla/kit/discovery';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort } from './testing/closed-port.js';
import { type EchoUpstream, echoUpstream } from './testing/echo-upstream.js';
import { rawRequest, startTestGateway, type TestGateway, testRoute } from './testing/test-gateway.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function upstream(): Promise<EchoUpstream> {
  const started = await echoUpstream();
  cleanups.push(() => started.close());
  return started;
}

async function gatewayFor(
  instances: Record<string, string[]>,
  routes = [testRoute({ prefix: '/api/users', service: 'users' })],
): Promise<TestGateway> {
  const started = await startTestGateway(routes, staticBalancer(instances));
  cleanups.push(() => started.close());
  return started;
}

describe('routing', () => {
  it('strips the public prefix: GET /api/users/1 reaches users as GET /users/1', async () => {
    const users = await upstream();
    const { url } = await gatewayFor({ users: [users.url] });
    const response = await fetch(`${url}/api/users/1?expand=orders`);
    expect(response.status).toBe(200);
    expect(users.seen[0]).toMatchObject({ method: 'GET', url: '/users/1?expand=orders' });
    const root = await fetch(`${url}/api/users`);
    expect(root.status).toBe(200);
    expect(users.seen[1]?.url).toBe('/users');
  });

  it('answers an unknown route with a 404 problem and never matches a longer segment', async () => {
    const users = await upstream();
    const { url } = await gatewayFor({ users: [users.url] });
    for (const path of ['/api/orders', '/api/usersX/1', '/']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    }
    expect(users.seen).toHaveLength(0);
  });

  it('sets forwarding headers and a request id, keeping a sane one from the client', async () => {
    const users = await upstream();
    const { url, port } = await gatewayFor({ users: [users.url] });
    const response = await fetch(`${url}/api/users/1`, {
      headers: { 'x-request-id': 'abc-123', 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6' },
    });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    const headers = users.seen[0]!.headers;
    expect(headers['x-request-id']).toBe('abc-123');
    // The client is not a trusted proxy: its forwarding claims are replaced, not extended.
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
    expect(headers.forwarded).toBe(`for=127.0.0.1;proto=http;host="127.0.0.1:${port}"`);
    await fetch(`${url}/api/users/1`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(users.seen[1]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('strips hop-by-hop headers, and any named in Connection, both ways', async () => {
    const users = await upstream();
    const { port } = await gatewayFor({ users: [users.url] });
    // fetch() refuses to send Connection itself, so the request is written by hand.
    const answer = await rawRequest(
      port,
      'GET /api/users/1 HTTP/1.1\r\nhost: gw\r\nconnection: close, X-Internal-Auth\r\n' +
        'x-internal-auth: let-me-in\r\nproxy-authorization: Basic Zm9v\r\nte: trailers\r\nx-kept: yes\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    const headers = users.seen[0]!.headers;
    expect(headers['x-internal-auth']).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers.te).toBeUndefined();
    expect(headers['x-kept']).toBe('yes');
    const head = answer.split('\r\n\r\n')[0]!.toLowerCase();
    expect(head).not.toContain('x-upstream-secret');
    expect(head).not.toContain('proxy-authenticate');
    expect(head).not.toContain('keep-alive: timeout');
    expect(head).toContain('content-type: application/json');
  });
});

describe('upstream failures', () => {
  it('answers 503 naming the service when it has no instance', async () => {
    const { url } = await gatewayFor({});
    const response = await fetch(`${url}/api/users/1`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'users' });
  });

  it('answers 502 naming the service, without internals, when every instance refuses', async () => {
    const { url } = await gatewayFor({ users: [await closedPort()] });
    const response = await fetch(`${url}/api/users/1`);
    expect(response.status).toBe(502);
    const body = await response.json();
    expect(body).toMatchObject({ code: 'BAD_GATEWAY', upstream: 'users' });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
  });

  it('answers 504 when the upstream exceeds the route timeout', async () => {
    const users = await upstream();
    users.delayMs = 1_000;
    const { url } = await gatewayFor({ users: [users.url] }, [
      testRoute({ prefix: '/api/users', service: 'users', timeoutMs: 200 }),
    ]);
    const response = await fetch(`${url}/api/users/1`);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'users' });
  });

  it('retries a GET refused by one instance on another', async () => {
    const users = await upstream();
    const { url } = await gatewayFor({ users: [await closedPort(), users.url] });
    for (let index = 0; index < 4; index++) {
      const response = await fetch(`${url}/api/users/${index}`);
      expect(response.status).toBe(200);
    }
    expect(users.seen).toHaveLength(4);
  });

  it('never retries a POST', async () => {
    const users = await upstream();
    const { url } = await gatewayFor({ users: [await closedPort(), users.url] });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index++) {
      const response = await fetch(`${url}/api/users`, { method: 'POST', body: '{"name":"a"}' });
      statuses.push(response.status);
    }
    // Round-robin: half the POSTs meet the refusing instance and fail; none is sent twice.
    expect(statuses.filter((status) => status === 502)).toHaveLength(2);
    expect(users.seen).toHaveLength(2);
  });

  it('opens the breaker after consecutive failures and answers 503 CIRCUIT_OPEN', async () => {
    const users = await upstream();
    users.status = 503;
    const { url } = await gatewayFor({ users: [users.url] });
    for (let index = 0; index < 5; index++) expect((await fetch(`${url}/api/users/1`)).status).toBe(503);
    const response = await fetch(`${url}/api/users/1`);
    expect(await response.json()).toMatchObject({ code: 'CIRCUIT_OPEN', upstream: 'users' });
    expect(users.seen).toHaveLength(5);
  });

  it('relays an upstream shedding load (503 with Retry-After) without opening the breaker or retrying', async () => {
    let seen = 0;
    const shedding = createServer((_request, response) => {
      seen++;
      response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      response.end('{"status":503,"code":"UNAVAILABLE"}');
    });
    await new Promise<void>((resolve) => shedding.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => shedding.close(() => resolve())));
    const { url } = await gatewayFor({
      users: [`http://127.0.0.1:${(shedding.address() as AddressInfo).port}`],
    });
    for (let index = 0; index < 8; index++) {
      const response = await fetch(`${url}/api/users/1`);
      expect([response.status, response.headers.get('retry-after')]).toEqual([503, '1']);
      expect(await response.json()).toMatchObject({ code: 'UNAVAILABLE' });
    }
    expect(seen).toBe(8);
  });
});

describe('bodies', () => {
  it('streams a body within the limit and refuses a larger one with 413', async () => {
    const users = await upstream();
    const { url } = await gatewayFor({ users: [users.url] });
    const ok = await fetch(`${url}/api/users`, { method: 'POST', body: 'x'.repeat(1000) });
    expect(ok.status).toBe(200);
    expect(users.seen[0]?.bodyBytes).toBe(1000);
    const tooLarge = await fetch(`${url}/api/users`, { method: 'POST', body: 'x'.repeat(1025) });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(users.seen).toHaveLength(1);
  });

  it('enforces the limit on a chunked body while it streams', async () => {
    const users = await upstream();
    const { url } = await gatewayFor({ users: [users.url] });
    const chunks = async function* () {
      for (let index = 0; index < 10; index++) yield new TextEncoder().encode('y'.repeat(300));
    };
    const response = await fetch(`${url}/api/users`, {
      method: 'POST',
      body: ReadableStream.from(chunks()),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('streams a large answer through with backpressure, and stops the upstream when the client leaves', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'z');
    const total = 256; // 16 MiB: far more than the socket buffers hold, so writes wait for drains
    let upstreamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    const server = createServer((request, response) => {
      const endless = request.url === '/users/endless';
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.on('close', upstreamClosed);
      let sent = 0;
      const pump = (answer: ServerResponse): void => {
        while (endless || sent < total) {
          sent++;
          if (!answer.write(chunk)) return void answer.once('drain', () => pump(answer));
        }
        answer.end();
      };
      pump(response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { url, port } = await gatewayFor({
      users: [`http://127.0.0.1:${(server.address() as AddressInfo).port}`],
    });

    const whole = await fetch(`${url}/api/users/large`);
    expect(whole.status).toBe(200);
    expect((await whole.arrayBuffer()).byteLength).toBe(total * chunk.length);

    // A client that reads a little of an endless answer, then leaves: the upstream request is cut.
    await new Promise<void>((resolve, reject) => {
      const partial = httpRequest({ port, host: '127.0.0.1', path: '/api/users/endless' }, (answer) => {
        answer.once('data', () => {
          partial.destroy();
          resolve();
        });
      });
      partial.once('error', reject);
      partial.end();
    });
    await closed;
  });
});
