import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, env, loadConfig, withDotEnv } from './index.js';

const schema = {
  PORT: env.port({ default: 3000 }),
  DATABASE_URL: env.url({ protocols: ['postgres:', 'postgresql:'], optional: true }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn'], { default: 'info' }),
  SHUTDOWN_TIMEOUT: env.duration({ default: 10_000 }),
  API_TOKEN: env.secret(),
  FEATURES: env.list({ default: [] }),
};

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses, applies defaults, and types the result', () => {
    const { values, redacted, secrets } = loadConfig(
      schema,
      { PORT: '8080', SHUTDOWN_TIMEOUT: '2.5s', API_TOKEN: 'hunter2', FEATURES: 'a, b,,c' },
      { subject: 'users' },
    );
    expect(values).toEqual({
      PORT: 8080,
      DATABASE_URL: undefined,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT: 2500,
      API_TOKEN: 'hunter2',
      FEATURES: ['a', 'b', 'c'],
    });
    expect(Object.isFrozen(values)).toBe(true);
    expect(redacted.API_TOKEN).toBe('[redacted]');
    expect(secrets).toEqual(['hunter2']);
    expectTypeOf(values.PORT).toEqualTypeOf<number>();
    expectTypeOf(values.DATABASE_URL).toEqualTypeOf<string | undefined>();
    expectTypeOf(values.LOG_LEVEL).toEqualTypeOf<'debug' | 'info' | 'warn'>();
  });

  it('reports every bad variable at once, naming each', () => {
    const error = errorOf(() =>
      loadConfig(
        schema,
        { PORT: '70000', DATABASE_URL: 'mysql://root:pw@db/x', LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT: 'soon' },
        { subject: 'users' },
      ),
    );
    expect(error.issues.map((issue) => issue.variable)).toEqual([
      'PORT',
      'DATABASE_URL',
      'LOG_LEVEL',
      'SHUTDOWN_TIMEOUT',
      'API_TOKEN',
    ]);
    expect(error.message).toContain('Invalid configuration for users (5 problems)');
    expect(error.message).toContain('API_TOKEN: required');
    expect(error.message).toContain('API_TOKEN_FILE');
    expect(error.message).not.toContain(':pw@');
  });

  it('reads a secret from NAME_FILE and never echoes it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'flotilla-config-'));
    const file = join(directory, 'token');
    writeFileSync(file, 's3cret-value\n');
    const { values } = loadConfig(schema, { API_TOKEN_FILE: file }, { subject: 'users' });
    expect(values.API_TOKEN).toBe('s3cret-value');

    const both = errorOf(() =>
      loadConfig(schema, { API_TOKEN: 's3cret-value', API_TOKEN_FILE: file }, { subject: 'users' }),
    );
    expect(both.message).toContain('either API_TOKEN or API_TOKEN_FILE');
    expect(both.message).not.toContain('s3cret-value');

    const missing = errorOf(() =>
      loadConfig(schema, { API_TOKEN_FILE: join(directory, 'absent') }, { subject: 'users' }),
    );
    expect(missing.issues).toEqual([
      { variable: 'API_TOKEN_FILE', message: expect.stringContaining('cannot read secret file') },
    ]);
  });

  it('treats an empty variable as unset', () => {
    const { values } = loadConfig(schema, { PORT: '', API_TOKEN: 'x' }, { subject: 'users' });
    expect(values.PORT).toBe(3000);
  });
});

describe('a secret URL', () => {
  const urlSchema = { DATABASE_URL: env.url({ protocols: ['postgres:'], optional: true, secret: true }) };

  it('is read from NAME_FILE and masked', () => {
    const directory = mkdtempSync(join(tmpdir(), 'flotilla-config-'));
    const file = join(directory, 'database-url');
    writeFileSync(file, 'postgres://app:pa55word@db:5432/users\n');
    const loaded = loadConfig(urlSchema, { DATABASE_URL_FILE: file }, { subject: 'users' });
    expect(loaded.values.DATABASE_URL).toBe('postgres://app:pa55word@db:5432/users');
    expect(loaded.secrets).toEqual(['postgres://app:pa55word@db:5432/users']);
    expect(loaded.redacted.DATABASE_URL).toBe('[redacted]');
  });

  it('is not echoed when invalid', () => {
    const error = errorOf(() =>
      loadConfig(urlSchema, { DATABASE_URL: 'mysql://app:pa55word@db/x' }, { subject: 'users' }),
    );
    expect(error.message).toContain('DATABASE_URL: must be a URL (postgres://)');
    expect(error.message).not.toContain('pa55word');
  });
});

describe('a URL that is not secret but carries a password', () => {
  it('shows a malformed one with its password masked', () => {
    const schema = { REGISTRY_URL: env.url({ protocols: ['http:'], optional: true }) };
    for (const value of [
      'http//admin:pa55word@registry',
      'admin:pa55word@registry',
      'ftp://admin:pa55word@x',
    ]) {
      const error = errorOf(() => loadConfig(schema, { REGISTRY_URL: value }, { subject: 'gateway' }));
      expect(error.message).toContain('REGISTRY_URL: must be a URL (http://)');
      expect(error.message).not.toContain('pa55word');
    }
  });
});

describe('a URL whose scheme has a check of its own', () => {
  const schema = {
    EVENTS_URL: env.url({
      protocols: ['amqp:', 'kafka:'],
      optional: true,
      secret: true,
      check: {
        'kafka:': (raw: string) => {
          if (raw.includes('@')) throw new Error('kafka:// takes no credentials');
        },
      },
    }),
  };

  it('is read by the check instead of as a WHATWG URL, which cannot hold several hosts', () => {
    const { values } = loadConfig(schema, { EVENTS_URL: 'kafka://k1:9092,k2:9092' }, { subject: 'orders' });
    expect(values.EVENTS_URL).toBe('kafka://k1:9092,k2:9092');
  });

  it("reports the check's reason without the value", () => {
    const error = errorOf(() =>
      loadConfig(schema, { EVENTS_URL: 'kafka://app:pa55word@k1:9092' }, { subject: 'orders' }),
    );
    expect(error.message).toContain(
      'EVENTS_URL: must be a URL (amqp://, kafka://): kafka:// takes no credentials',
    );
    expect(error.message).not.toContain('pa55word');
  });

  it('leaves the other schemes to the WHATWG parser and the protocol list', () => {
    expect(loadConfig(schema, { EVENTS_URL: 'amqp://broker' }, { subject: 'orders' }).values.EVENTS_URL).toBe(
      'amqp://broker',
    );
    const error = errorOf(() => loadConfig(schema, { EVENTS_URL: 'nats://broker' }, { subject: 'orders' }));
    expect(error.message).toContain('EVENTS_URL: must be a URL (amqp://, kafka://)');
  });
});

describe('withDotEnv', () => {
  it('fills from .env without overriding the real environment', () => {
    const directory = mkdtempSync(join(tmpdir(), 'flotilla-dotenv-'));
    writeFileSync(join(directory, '.env'), 'PORT=1234\nAPI_TOKEN=from-file\n');
    const merged = withDotEnv({ API_TOKEN: 'from-env' }, directory);
    expect(merged).toEqual({ PORT: '1234', API_TOKEN: 'from-env' });
  });
});
