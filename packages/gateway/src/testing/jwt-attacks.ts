import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/** What a gateway under test accepts: its RS256 key pair, issuer and audience. */
export interface TokenIssuer {
  /** Signs the tokens. */
  readonly privateKey: KeyObject;
  /** The public key in PEM, as the gateway is configured with it (`JWT_KEY`). */
  readonly publicPem: string;
  /** The `iss` the gateway expects. */
  readonly issuer: string;
  /** The `aud` the gateway expects. */
  readonly audience: string;
}

/** One base64url JSON segment of a JWT, to hand-build a token no library would sign. */
export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A valid RS256 token for `subject`, valid for five minutes; override claims or header to break it. */
export function signToken(
  issuer: TokenIssuer,
  subject: string,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: subject,
    iss: issuer.issuer,
    aud: issuer.audience,
    iat: now,
    exp: now + 300,
    scope: 'orders:read',
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
    .sign(issuer.privateKey);
}

/** One attack: its name, and the `Authorization` header it sends (none when undefined). */
export type JwtAttack = readonly [name: string, authorization: () => Promise<string | undefined>];

/**
 * Authorization headers a gateway must refuse with 401 for `subject`: no or wrong scheme,
 * `alg: none`, HS/RS confusion (HS256 keyed with the public PEM), expired, not yet valid, wrong
 * issuer or audience, `kid` injection (path traversal, SQL) signed as it would fool a key lookup, a
 * tampered payload, another key.
 */
export function jwtAttacks(issuer: TokenIssuer, subject: string): readonly JwtAttack[] {
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({ sub: subject, iss: issuer.issuer, aud: issuer.audience, exp: now() + 300 });
  const bearer = async (token: Promise<string>) => `Bearer ${await token}`;
  const signedBy = (key: KeyObject | Uint8Array, alg: string, kid = 'k1') =>
    new SignJWT(claims()).setProtectedHeader({ alg, kid }).sign(key);
  return [
    ['no token', async () => undefined],
    ['a non-bearer scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['alg none', async () => `Bearer ${encodeSegment({ alg: 'none' })}.${encodeSegment(claims())}.`],
    [
      'HS256 signed with the RSA public key (HS/RS confusion)',
      () => bearer(signedBy(new TextEncoder().encode(issuer.publicPem), 'HS256')),
    ],
    ['an expired token', () => bearer(signToken(issuer, subject, { exp: now() - 60 }))],
    ['a token not valid yet (nbf)', () => bearer(signToken(issuer, subject, { nbf: now() + 600 }))],
    ['a wrong issuer', () => bearer(signToken(issuer, subject, { iss: 'https://evil.test' }))],
    ['a wrong audience', () => bearer(signToken(issuer, subject, { aud: 'someone-else' }))],
    // As a verifier that looked keys up by `kid` would be fooled: the file's content (nothing) or
    // the injected query's result is the HMAC key the attacker signs with.
    [
      'kid path traversal (HS256 keyed with /dev/null)',
      () => bearer(signedBy(new Uint8Array(32), 'HS256', '../../../../dev/null')),
    ],
    [
      'kid SQL injection (HS256 keyed with the injected secret)',
      () =>
        bearer(
          signedBy(
            new TextEncoder().encode('attacker-secret'),
            'HS256',
            "x' UNION SELECT 'attacker-secret' --",
          ),
        ),
    ],
    [
      'a tampered payload',
      async () => {
        const [head, , signature] = (await signToken(issuer, subject)).split('.');
        return `Bearer ${head}.${encodeSegment({ ...claims(), sub: 'admin' })}.${signature}`;
      },
    ],
    ['a signature by another key', () => bearer(signedBy(otherKey, 'RS256'))],
  ];
}
