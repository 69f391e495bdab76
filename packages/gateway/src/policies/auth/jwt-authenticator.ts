import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { FlotillaError } from '@flotilla/kit/errors';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { VerifiedTokenCache } from './verified-token-cache.js';

export interface JwtOptions {
  /** A JWKS document URL (keys fetched, cached, refreshed on an unknown `kid`)… */
  readonly jwksUrl?: string;
  /** …or one configured key: a PEM public key, or a shared secret for HS* algorithms. */
  readonly key?: string;
  /** Accepted `alg` values; a token with any other (including `none`) is refused. */
  readonly algorithms: readonly string[];
  readonly issuer?: string;
  readonly audience?: string;
  readonly clockToleranceSeconds: number;
  readonly cacheSize: number;
  readonly cacheTtlMs: number;
}

export interface Identity {
  readonly subject: string;
  readonly claims: JWTPayload;
  /** The claims as the upstream receives them: base64url of their JSON (headers are Latin-1). */
  readonly claimsHeader: string;
}

/** Verifies bearer tokens with jose; keeps verified results in a bounded cache. */
export class JwtAuthenticator {
  readonly #key: KeyObject | JWTVerifyGetKey;
  readonly #options: JwtOptions;
  readonly #cache: VerifiedTokenCache<Identity>;

  constructor(options: JwtOptions) {
    if ((options.jwksUrl === undefined) === (options.key === undefined)) {
      throw new Error('set exactly one of JWT_JWKS_URL and JWT_KEY');
    }
    if (options.algorithms.length === 0 || options.algorithms.some((alg) => alg.toLowerCase() === 'none')) {
      throw new Error('JWT_ALGORITHMS must list real algorithms (never "none")');
    }
    const symmetric = options.algorithms.filter((alg) => alg.startsWith('HS'));
    if (symmetric.length > 0 && symmetric.length !== options.algorithms.length) {
      // A verifier that accepts both HMAC and public-key algorithms invites HS/RS confusion.
      throw new Error('JWT_ALGORITHMS cannot mix HS* with public-key algorithms');
    }
    if (options.jwksUrl !== undefined) {
      this.#key = createRemoteJWKSet(new URL(options.jwksUrl), {
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      });
    } else if (symmetric.length > 0) {
      this.#key = createSecretKey(Buffer.from(options.key!, 'utf8'));
    } else {
      this.#key = publicKeyOf(options.key!);
    }
    this.#options = options;
    this.#cache = new VerifiedTokenCache(options.cacheSize, options.cacheTtlMs);
  }

  /**
   * The identity of a bearer token verified before and still valid, from the cache; `undefined`
   * for anything else (then `authenticate` decides). Synchronous, so a reused token costs no promise.
   */
  cached(authorization: string | undefined): Identity | undefined {
    if (authorization === undefined || authorization.length < 8 || !/^bearer /i.test(authorization)) {
      return undefined;
    }
    return this.#cache.get(authorization.slice(7).trim(), Date.now());
  }

  /** The identity behind an `Authorization: Bearer …` header, or a 401 FlotillaError. */
  async authenticate(authorization: string | undefined): Promise<Identity> {
    if (authorization === undefined || !/^bearer /i.test(authorization)) {
      throw new FlotillaError('UNAUTHORIZED', { detail: 'a bearer token is required' });
    }
    const token = authorization.slice(7).trim();
    const now = Date.now();
    const cached = this.#cache.get(token, now);
    if (cached !== undefined) return cached;
    const payload = await this.#verify(token);
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new FlotillaError('UNAUTHORIZED', { detail: 'the token has no subject' });
    }
    const identity: Identity = {
      subject: payload.sub,
      claims: payload,
      claimsHeader: Buffer.from(JSON.stringify(payload)).toString('base64url'),
    };
    this.#cache.set(token, identity, payload.exp, now);
    return identity;
  }

  async #verify(token: string): Promise<JWTPayload> {
    const { algorithms, issuer, audience, clockToleranceSeconds } = this.#options;
    try {
      const { payload } = await jwtVerify(token, this.#key as KeyObject, {
        algorithms: [...algorithms],
        clockTolerance: clockToleranceSeconds,
        ...(issuer === undefined ? {} : { issuer }),
        ...(audience === undefined ? {} : { audience }),
      });
      return payload;
    } catch (error) {
      throw new FlotillaError('UNAUTHORIZED', { detail: reasonOf(error) });
    }
  }
}

/** The configured PEM public key; the error names the setting and never repeats its content. */
function publicKeyOf(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch {
    throw new Error(
      'JWT_KEY is not a PEM public key (for a shared secret, set JWT_ALGORITHMS to HS256, HS384 or HS512)',
    );
  }
}

/** A reason safe to show the client: what was wrong, never key material or library internals. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key matches the token';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof errors.JWKSTimeout) return 'the token could not be verified now';
  return 'the token is invalid';
}
