import { staticBalancer } from '@flotilla/kit/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPath } from './http/check-path.js';
import { type EchoUpstream, echoUpstream } from './testing/echo-upstream.js';
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
  const attacks = [
    '/api/users/../admin',
    '/api/users/./1',
    '/api/users/%2e%2e/admin',
    '/api/users/%2E%2e/admin',
    '/api/users/.%2e/admin',
    '/api/users/..%2fadmin',
    '/api/users/..%2Fadmin',
    '/api/users%2F..%2Fadmin',
    '/api/users/1%2F2',
    '/api/users/%5c..%5cadmin',
    '/api/users/..\\admin',
    '/api/users/1%00.json',
    '/api/users//1',
    '//api/users/1',
    '/api/users/..;/admin',
    '/api/users/%zz',
    'http://evil.example/api/users/1',
    'http://127.0.0.1/api/users/../admin',
    '*',
  ];
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

  it('rejects Content-Length with Transfer-Encoding (request smuggling)', async () => {
    const before = users.seen.length;
    const answer = await rawRequest(
      gateway.port,
      'POST /api/users HTTP/1.1\r\nhost: gw\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n' +
        '0\r\n\r\nGET /api/users/smuggled HTTP/1.1\r\nhost: gw\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(400);
    expect(answer).toContain('application/problem+json');
    expect(users.seen.length).toBe(before);
  });

  it('rejects two different Content-Length headers', async () => {
    const before = users.seen.length;
    const answer = await rawRequest(
      gateway.port,
      'POST /api/users HTTP/1.1\r\nhost: gw\r\ncontent-length: 4\r\ncontent-length: 30\r\n\r\nabcd',
    );
    expect(statusOf(answer)).toBe(400);
    expect(users.seen.length).toBe(before);
  });

  it('closes a slowloris connection that never finishes its headers with 408', async () => {
    const answer = await rawRequest(gateway.port, 'GET /api/users/1 HTTP/1.1\r\nhost: gw\r\nx-slow: ', 3_000);
    expect(statusOf(answer)).toBe(408);
    expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
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
