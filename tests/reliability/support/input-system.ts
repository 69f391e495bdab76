import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken, type TokenIssuer } from '@flotilla/gateway/attacks';
import type { SpawnedService } from '../../support/spawn-service.js';
import { until } from '../../support/until.js';
import { RunningSystem, SERVICES, type ServiceName } from './start-system.js';

export interface InputSystem {
  readonly gateway: SpawnedService;
  readonly services: Readonly<Record<ServiceName, SpawnedService>>;
  readonly tokens: TokenIssuer;
  /** Origin the gateway allows, with credentials. */
  readonly allowedOrigin: string;
  /** Settings the gateway runs with that tests lean on. */
  readonly limits: {
    readonly bodyBytes: number;
    readonly headerBytes: number;
    readonly headersTimeoutMs: number;
  };
  stop(): Promise<void>;
}

const ISSUER = 'https://id.flotilla.test';
const AUDIENCE = 'flotilla';
const ALLOWED_ORIGIN = 'https://app.flotilla.test';
const LIMITS = { bodyBytes: 64 * 1024, headerBytes: 8 * 1024, headersTimeoutMs: 1_000 };

/**
 * The reference system (one instance of each service) for bad-input tests, with its gateway as
 * deployed in front of end users: `/api/orders` protected by RS256 JWTs, CORS with credentials for
 * one origin, tight head, body and header-time limits, rate limits off (the tests send thousands
 * of requests). Resolves once orders reaches users and the gateway routes to every service, so no
 * answer is a start-up 503.
 */
export async function startInputSystem(databaseUrl: string): Promise<InputSystem> {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-input-'));
  const routesFile = join(scratch, 'routes.json');
  writeFileSync(
    routesFile,
    JSON.stringify({
      routes: [
        { prefix: '/api/users', service: 'users' },
        { prefix: '/api/orders', service: 'orders', auth: 'protected' },
        { prefix: '/api/notifications', service: 'notifications' },
      ],
    }),
  );
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const tokens: TokenIssuer = {
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    issuer: ISSUER,
    audience: AUDIENCE,
  };
  const system = await RunningSystem.start({
    databaseUrl,
    instances: 1,
    gatewayEnvironment: {
      ROUTES_FILE: routesFile,
      JWT_KEY: tokens.publicPem,
      JWT_ALGORITHMS: 'RS256',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_CLOCK_TOLERANCE: '0s',
      CORS_ORIGINS: ALLOWED_ORIGIN,
      CORS_CREDENTIALS: 'true',
      BODY_LIMIT: String(LIMITS.bodyBytes),
      MAX_HEADER_SIZE: String(LIMITS.headerBytes),
      HEADERS_TIMEOUT: `${LIMITS.headersTimeoutMs}ms`,
      REQUEST_TIMEOUT: '5s',
      // Fuzzing and attacks load a 2-core machine: shedding would answer 503 for the machine's sake.
      SHED_EVENT_LOOP_LAG: '10s',
    },
  });
  const stop = async () => {
    await system.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const services = Object.fromEntries(
      SERVICES.map((name) => [name, system.instances.find((instance) => instance.service === name)!.process]),
    ) as Record<ServiceName, SpawnedService>;
    const gateway = system.gateway.url;
    await until(
      'orders to reach users, and the gateway every service',
      async () => {
        const user = await fetch(`${gateway}/api/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            name: 'Probe',
            email: `probe-${randomBytes(4).toString('hex')}@input.example`,
          }),
        });
        if (user.status !== 201) return false;
        const { id } = (await user.json()) as { id: string };
        const order = await fetch(`${gateway}/api/orders`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await signToken(tokens, id)}`,
          },
          body: JSON.stringify({ userId: id, items: [{ sku: 'PROBE', quantity: 1, unitPrice: 1 }] }),
        });
        const notifications = await fetch(`${gateway}/api/notifications?userId=${id}`);
        return order.status === 201 && notifications.status === 200;
      },
      60_000,
    );
    return { gateway: system.gateway, services, tokens, allowedOrigin: ALLOWED_ORIGIN, limits: LIMITS, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
