import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot, spawnEntry } from '../support/spawn-service.js';
import { recordFigure } from './support/record-figure.js';

/**
 * Every process started from its real entry point with bad settings: malformed or wrong-scheme
 * URLs, secret files that cannot be read, a secret given twice, values the process cannot use.
 * Each run must exit 78 (EX_CONFIG) with a message naming every bad variable, and never print a
 * secret it was given. No process has a variable without a default, so "missing" means a `_FILE`
 * pointing nowhere (a directory, a path that does not exist).
 */
const EXIT_CONFIG = 78;
const CANARY = `s3cr3t-${randomBytes(6).toString('hex')}`;
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-config-errors-'));
const missingFile = join(scratch, 'no-such-secret');
const directory = join(scratch, 'a-directory');
mkdirSync(directory);
const routesFile = join(scratch, 'routes.json');
writeFileSync(routesFile, JSON.stringify({ routes: [{ prefix: '/api/users', service: 'users' }] }));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const entries = {
  users: 'services/users/src/main.ts',
  orders: 'services/orders/src/main.ts',
  notifications: 'services/notifications/src/main.ts',
  gateway: 'packages/gateway/src/main.ts',
  'control-plane': 'packages/control-plane/src/main.ts',
} as const;
type Process = keyof typeof entries;

/**
 * Bad settings given to one run. The configuration loader reports every bad variable at once, so
 * settings that do not conflict share a run; what is only checked after loading (a key, the routes
 * file, CORS) fails at its first problem and gets a run of its own.
 */
interface BadRun {
  readonly process: Process;
  readonly what: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Every one must be named in the message. */
  readonly variables: readonly string[];
}

const serviceRuns = (process: Process): BadRun[] => [
  {
    process,
    what: 'malformed URLs with passwords, a malformed headers list holding a token, a bad port',
    environment: {
      DATABASE_URL: `postgres//admin:${CANARY}@db/app`,
      EVENTS_URL: `amqp//guest:${CANARY}@broker`,
      REGISTRY_URL: `http//ops:${CANARY}@registry:8500`,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${CANARY},broken`,
      PORT: 'eighty',
    },
    variables: [
      'DATABASE_URL',
      'EVENTS_URL',
      'REGISTRY_URL',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'PORT',
    ],
  },
  {
    process,
    what: 'URLs of another scheme, beside a valid secret',
    environment: {
      DATABASE_URL: `mysql://admin:${CANARY}@db/app`,
      EVENTS_URL: `pulsar://guest:${CANARY}@broker:6650`,
      REGISTRY_URL: 'consul://registry:8500',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317',
      REGISTRY_TOKEN: CANARY,
    },
    variables: ['DATABASE_URL', 'EVENTS_URL', 'REGISTRY_URL', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
  },
  {
    process,
    what: 'secret files missing or directories',
    environment: {
      DATABASE_URL_FILE: missingFile,
      EVENTS_URL_FILE: directory,
      REGISTRY_TOKEN_FILE: missingFile,
      OTEL_EXPORTER_OTLP_HEADERS_FILE: directory,
    },
    variables: [
      'DATABASE_URL_FILE',
      'EVENTS_URL_FILE',
      'REGISTRY_TOKEN_FILE',
      'OTEL_EXPORTER_OTLP_HEADERS_FILE',
    ],
  },
  {
    process,
    what: 'a secret given both directly and as a file',
    environment: { DATABASE_URL: `postgres://a:${CANARY}@db/x`, DATABASE_URL_FILE: missingFile },
    variables: ['DATABASE_URL'],
  },
];

const gatewayRuns: BadRun[] = [
  {
    process: 'gateway',
    what: 'malformed URLs with passwords, a malformed headers list holding a token, a bad port',
    environment: {
      REGISTRY_URL: `http//ops:${CANARY}@registry:8500`,
      RATE_LIMIT_REDIS_URL: `redis//:${CANARY}@cache:6379`,
      JWT_JWKS_URL: 'id.example/.well-known/jwks.json',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${CANARY},broken`,
      PORT: '70000',
    },
    variables: [
      'REGISTRY_URL',
      'RATE_LIMIT_REDIS_URL',
      'JWT_JWKS_URL',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'PORT',
    ],
  },
  {
    process: 'gateway',
    what: 'secret files missing or directories, a URL of another scheme',
    environment: {
      REGISTRY_TOKEN_FILE: missingFile,
      RATE_LIMIT_REDIS_URL_FILE: directory,
      JWT_KEY_FILE: missingFile,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `ftp://:${CANARY}@collector`,
    },
    variables: [
      'REGISTRY_TOKEN_FILE',
      'RATE_LIMIT_REDIS_URL_FILE',
      'JWT_KEY_FILE',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    ],
  },
  {
    process: 'gateway',
    what: 'a JWT_KEY that is no PEM key',
    environment: { JWT_KEY: CANARY },
    variables: ['JWT_KEY'],
  },
  {
    process: 'gateway',
    what: 'JWT_ALGORITHMS none',
    environment: { JWT_KEY: CANARY, JWT_ALGORITHMS: 'none' },
    variables: ['JWT_ALGORITHMS'],
  },
  {
    process: 'gateway',
    what: 'UPSTREAMS not service=URL',
    environment: { UPSTREAMS: 'users=not a url' },
    variables: ['UPSTREAMS'],
  },
  {
    process: 'gateway',
    what: 'a ROUTES_FILE that does not exist',
    environment: { ROUTES_FILE: missingFile },
    variables: ['ROUTES_FILE'],
  },
  {
    process: 'gateway',
    what: 'CORS_ORIGINS "*" with credentials',
    environment: { CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true', ROUTES_FILE: routesFile },
    variables: ['CORS_ORIGINS'],
  },
];

const controlPlaneRuns: BadRun[] = [
  {
    process: 'control-plane',
    what: 'a malformed events URL with a password, a bad tick',
    environment: { EVENTS_URL: `nats//app:${CANARY}@broker:4222`, CHECK_TICK: 'often' },
    variables: ['EVENTS_URL', 'CHECK_TICK'],
  },
  {
    process: 'control-plane',
    what: 'a secret file missing, beside a bad port',
    environment: { EVENTS_URL_FILE: missingFile, PORT: '-1' },
    variables: ['EVENTS_URL_FILE', 'PORT'],
  },
];

const runs: readonly BadRun[] = [
  ...(['users', 'orders', 'notifications'] as const).flatMap(serviceRuns),
  ...gatewayRuns,
  ...controlPlaneRuns,
];
const settings = runs.reduce((sum, run) => sum + run.variables.length, 0);

const tally = { runs: 0, settings: 0, exit78: 0, named: 0, secretsEchoed: 0, stackTraces: 0 };

describe.concurrent('a bad configuration', () => {
  for (const bad of runs) {
    it(`${bad.process}: ${bad.what} → exit 78 naming ${bad.variables.join(', ')}, no secret shown`, async () => {
      // PORT 0 and a scratch data folder: a process that wrongly starts binds nothing shared.
      const run = spawnEntry(join(repositoryRoot, entries[bad.process]), {
        PORT: '0',
        DATA_DIR: join(scratch, `data-${randomBytes(4).toString('hex')}`),
        REGISTRY_SNAPSHOT_PATH: join(scratch, 'registry.json'),
        ...bad.environment,
      });
      const timer = setTimeout(() => run.child.kill('SIGKILL'), 90_000);
      const { code } = await run.exited;
      clearTimeout(timer);
      const stderr = run.stderr.join('');
      const output = run.stdout.join('') + stderr;
      const named = bad.variables.filter((variable) => new RegExp(`\\b${variable}\\b`).test(stderr));
      tally.runs++;
      tally.settings += bad.variables.length;
      if (code === EXIT_CONFIG) tally.exit78 += bad.variables.length;
      tally.named += named.length;
      if (output.includes(CANARY)) tally.secretsEchoed++;
      if (/\n\s+at /.test(output)) tally.stackTraces++;
      expect(code, output).toBe(EXIT_CONFIG);
      expect(named).toEqual(bad.variables);
      expect(output).not.toContain(CANARY);
      expect(output).not.toMatch(/\n\s+at /);
    });
  }
});

describe('the figure', () => {
  it('records it', () => {
    recordFigure(import.meta.url, {
      id: '10-config-errors',
      title: 'Bad configurations of every process, spawned from its entry point',
      result: `${tally.settings} bad settings in ${tally.runs} runs of 5 processes: ${tally.exit78} exit 78, ${tally.named} named, ${tally.secretsEchoed} secrets echoed, ${tally.stackTraces} stack traces`,
      measurements: tally,
    });
    expect(tally).toEqual({
      runs: runs.length,
      settings,
      exit78: settings,
      named: settings,
      secretsEchoed: 0,
      stackTraces: 0,
    });
  });
});
