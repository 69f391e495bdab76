import { staticBalancer } from '@flotilla/kit/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPath } from './policies/path-check/index.js';
import { type EchoUpstream, echoUpstream } from './testing/echo-upstream.js';
import { pathAttacks, smugglingAttacks } from './testing/raw-attacks.js';
import { rawRequest, startTestGateway, type TestGateway, testRoute } from './testing/test-gateway.js';

let users: EchoUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  users = await echoUpstream();
  gateway = await startTestGateway(
    [testRoute({ prefix: '/api/users', service: 'users' })],
    staticBalancer({ users: [users.url] }),
    {
      trustedProxies: ['10.0.0.0/8'],
      server: {
        headersTimeoutMs: 500,
        requestTimeoutMs: 1_000,
        keepAliveTimeoutMs: 1_000,
        maxRequestsPerSocket: 0,
        maxHeaderSize: 4 * 1024,
      },
    },
  );
});
afterAll(async () => {
  await gateway.close();
  await users.close();
});

function statusOf(answer: string): number {
  return Number(answer.slice(9, 12));
}

describe('path confusion', () => {
  const attacks = pathAttacks('/api/users');
  for (const target of attacks) {
    it(`rejects ${target} with a 400 problem and never reaches the upstream`, async () => {
      const before = users.seen.length;
      const answer = await rawRequest(
        gateway.port,
        `GET ${target} HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n`,
      );
      expect(statusOf(answer)).toBe(400);
      expect(answer).toContain('application/problem+json');
      expect(users.seen.length).toBe(before);
    });
  }

  it('keeps ordinary paths, dots inside names and encoded data', () => {
    for (const path of [
      '/api/users/1',
      '/api/users/a.b',
      '/api/users/.well-known',
      '/api/users/%20x?q=a/../b',
    ]) {
      expect(checkPath(path).ok).toBe(true);
    }
  });

  it('forwards a path exactly as received', async () => {
    const response = await fetch(`${gateway.url}/api/users/caf%C3%A9?x=1`);
    expect(response.status).toBe(200);
    expect(users.seen.at(-1)?.url).toBe('/users/caf%C3%A9?x=1');
  });
});

describe('header abuse', () => {
  it('answers 431 to oversized headers', async () => {
    const answer = await rawRequest(
      gateway.port,
      `GET /api/users/1 HTTP/1.1\r\nhost: gw\r\nx-big: ${'a'.repeat(8 * 1024)}\r\n\r\n`,
    );
    expect(statusOf(answer)).toBe(431);
    expect(answer).toContain('"code":"HEADERS_TOO_LARGE"');
  });

  for (const [name, raw] of smugglingAttacks(
    '/api/users',
    'GET /api/users/smuggled HTTP/1.1\r\nhost: gw\r\n',
  )) {
    it(`refuses request smuggling by ${name} with one 400 and never reaches the upstream`, async () => {
      const before = users.seen.length;
      const answer = await rawRequest(gateway.port, raw);
      expect(statusOf(answer)).toBe(400);
      expect(answer).toContain('application/problem+json');
      expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
      expect(users.seen.length).toBe(before);
    });
  }

  it('closes a slowloris connection that never finishes its headers with 408', async () => {
    const answer = await rawRequest(gateway.port, 'GET /api/users/1 HTTP/1.1\r\nhost: gw\r\nx-slow: ', 3_000);
    expect(statusOf(answer)).toBe(408);
    expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
  });

  it("replaces a client's deadline with the route timeout, so no client can cut a request to a 504", async () => {
    const response = await fetch(`${gateway.url}/api/users/1`, { headers: { 'x-request-timeout-ms': '0' } });
    expect(response.status).toBe(200);
    expect(users.seen.at(-1)!.headers['x-request-timeout-ms']).toBe('2000');
  });

  it('answers an unsupported Expect with a 417 problem', async () => {
    const answer = await rawRequest(
      gateway.port,
      'GET /api/users/1 HTTP/1.1\r\nhost: gw\r\nexpect: teapot\r\nconnection: close\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(417);
    expect(answer).toContain('"code":"EXPECTATION_FAILED"');
  });

  it('strips client-sent identity headers on public routes', async () => {
    await fetch(`${gateway.url}/api/users/1`, {
      headers: { 'x-auth-subject': 'admin', 'x-auth-claims': 'eyJyb2xlIjoiYWRtaW4ifQ' },
    });
    const headers = users.seen.at(-1)!.headers;
    expect(headers['x-auth-subject']).toBeUndefined();
    expect(headers['x-auth-claims']).toBeUndefined();
  });
});
