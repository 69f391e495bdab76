import { defineConfig } from 'vitest/config';

// `unit` needs Node alone; `infra` runs the same suites plus the engine-only ones against the
// real engines on this machine (addresses overridable from the environment).
const infraEnv = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  FLOTILLA_TEST_AMQP_URL: process.env.FLOTILLA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  FLOTILLA_TEST_NATS_URL: process.env.FLOTILLA_TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  FLOTILLA_TEST_REDIS_URL: process.env.FLOTILLA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
};

const exclude = ['**/node_modules/**', '**/.flotilla/**'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, '**/*.infra.test.ts'],
          env: { DATABASE_URL: '' },
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['**/*.test.ts'],
          exclude,
          env: infraEnv,
        },
      },
    ],
  },
});
