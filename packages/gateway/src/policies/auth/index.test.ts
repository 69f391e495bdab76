import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signToken, type TokenIssuer } from '../../testing/jwt-attacks.js';
import { testContext } from '../../testing/test-context.js';
import { testRoute } from '../../testing/test-gateway.js';
import { auth } from './index.js';
import { JwtAuthenticator } from './jwt-authenticator.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const issuer: TokenIssuer = {
  privateKey,
  publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  issuer: 'https://id.flotilla.test',
  audience: 'flotilla',
};
const authenticator = new JwtAuthenticator({
  key: issuer.publicPem,
  algorithms: ['RS256'],
  issuer: issuer.issuer,
  audience: issuer.audience,
  clockToleranceSeconds: 0,
  cacheSize: 10,
  cacheTtlMs: 60_000,
});
const route = testRoute({ prefix: '/api/orders', service: 'orders', auth: 'protected' });

describe('auth', () => {
  it('lets a request to a public route through untouched', () => {
    expect(auth(undefined)(testContext())).toBeUndefined();
  });

  it('fails closed on a protected route when no authenticator is configured', () => {
    expect(auth(undefined)(testContext({ route }))).toMatchObject({
      code: 'UNAUTHORIZED',
      detail: 'authentication is not configured',
    });
  });

  it('refuses a missing token with 401 and WWW-Authenticate: Bearer', async () => {
    const context = testContext({ route });
    expect(await auth(authenticator)(context)).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(context.response.getHeader('www-authenticate')).toBe('Bearer');
  });

  it('puts the identity on the context, without a promise once the token is cached', async () => {
    const authorization = `Bearer ${await signToken(issuer, 'user-42')}`;
    const first = testContext({ route, headers: { authorization } });
    const verdict = auth(authenticator)(first);
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toBeUndefined();
    expect(first.identity?.subject).toBe('user-42');
    const again = testContext({ route, headers: { authorization } });
    expect(auth(authenticator)(again)).toBeUndefined();
    expect(again.identity?.subject).toBe('user-42');
  });
});
