import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticBalancer } from '@flotilla/kit/discovery';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoUpstream, echoUpstream } from '../../testing/echo-upstream.js';
import { encodeSegment, jwtAttacks, signToken, type TokenIssuer } from '../../testing/jwt-attacks.js';
import { startTestGateway, type TestGateway, testRoute } from '../../testing/test-gateway.js';
import { JwtAuthenticator } from './jwt-authenticator.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ISSUER = 'https://id.flotilla.test';
const AUDIENCE = 'flotilla';
const issuer: TokenIssuer = { privateKey, publicPem, issuer: ISSUER, audience: AUDIENCE };
const token = () => signToken(issuer, 'user-42');

let users: EchoUpstream;
let jwks: Server;
let gateway: TestGateway;

async function call(authorization?: string, extra: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}/api/orders/1`, {
    headers: { ...(authorization ? { authorization } : {}), ...extra },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, response };
}

beforeAll(async () => {
  users = await echoUpstream();
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const authenticator = new JwtAuthenticator({
    jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
    algorithms: ['RS256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: 0,
    cacheSize: 100,
    cacheTtlMs: 60_000,
  });
  gateway = await startTestGateway(
    [
      testRoute({ prefix: '/api/orders', service: 'orders', auth: 'protected' }),
      testRoute({ prefix: '/api/public', service: 'orders' }),
    ],
    staticBalancer({ orders: [users.url] }),
    { authenticator },
  );
});
afterAll(async () => {
  await gateway.close();
  await users.close();
  await new Promise((resolve) => jwks.close(resolve));
});

describe('JWT on protected routes', () => {
  it('passes the verified subject and claims upstream, replacing client-forged copies', async () => {
    const { status, response } = await call(`Bearer ${await token()}`, {
      'x-auth-subject': 'admin',
      'x-auth-claims': encodeSegment({ role: 'admin' }),
    });
    expect(status).toBe(200);
    expect(response.headers.get('ratelimit-limit')).toBeNull();
    const headers = users.seen.at(-1)!.headers;
    expect(headers['x-auth-subject']).toBe('user-42');
    const claims = JSON.parse(Buffer.from(String(headers['x-auth-claims']), 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'user-42', iss: ISSUER, scope: 'orders:read' });
    expect(headers.authorization).toMatch(/^Bearer /);
  });

  it('reuses a verified token from the cache', async () => {
    const reused = `Bearer ${await token()}`;
    for (let index = 0; index < 3; index++) expect((await call(reused)).status).toBe(200);
  });

  const refusals = jwtAttacks(issuer, 'user-42');
  for (const [name, make] of refusals) {
    it(`refuses ${name} with a 401 problem and never reaches the upstream`, async () => {
      const before = users.seen.length;
      const { status, body, response } = await call(await make());
      expect(status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(body).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      expect(users.seen.length).toBe(before);
    });
  }

  it('refuses a well-signed token whose kid names no key of the JWKS', async () => {
    for (const kid of ['../../../../dev/null', "k1' OR '1'='1"]) {
      const { status } = await call(`Bearer ${await signToken(issuer, 'user-42', {}, { kid })}`);
      expect(status).toBe(401);
    }
  });

  it('leaves public routes open', async () => {
    const response = await fetch(`${gateway.url}/api/public/1`);
    expect(response.status).toBe(200);
    expect(users.seen.at(-1)!.headers['x-auth-subject']).toBeUndefined();
  });
});

describe('JwtAuthenticator configuration', () => {
  const base = { algorithms: ['RS256'], clockToleranceSeconds: 0, cacheSize: 10, cacheTtlMs: 1000 };
  it('refuses none, HS mixed with public-key algorithms, and zero or two key sources', () => {
    expect(() => new JwtAuthenticator({ ...base, key: publicPem, algorithms: ['none'] })).toThrow(
      /never "none"/,
    );
    expect(() => new JwtAuthenticator({ ...base, key: publicPem, algorithms: ['RS256', 'HS256'] })).toThrow(
      /cannot mix/,
    );
    expect(() => new JwtAuthenticator({ ...base })).toThrow(/exactly one/);
    expect(() => new JwtAuthenticator({ ...base, key: publicPem, jwksUrl: 'http://x' })).toThrow(
      /exactly one/,
    );
  });

  it('verifies with a configured public key', async () => {
    const authenticator = new JwtAuthenticator({ ...base, key: publicPem });
    await expect(authenticator.authenticate(`Bearer ${await token()}`)).resolves.toMatchObject({
      subject: 'user-42',
    });
  });
});
