import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { SoakFirstSequencer } from './tests/reliability/support/soak-first-sequencer.js';
import { SOURCE_CONDITION } from './tests/support/source-condition.js';

// `unit` needs Node alone; `infra` runs the same suites plus the engine-only ones against the
// real engines on this machine (addresses overridable from the environment).
const infraEnv = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  FLOTILLA_TEST_AMQP_URL: process.env.FLOTILLA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  FLOTILLA_TEST_NATS_URL: process.env.FLOTILLA_TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  FLOTILLA_TEST_REDIS_URL: process.env.FLOTILLA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  FLOTILLA_TEST_KAFKA_URL: process.env.FLOTILLA_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092',
};

// Vitest's own default (the server conditions without `module`, whose builds Node cannot load),
// with the sources' condition first.
const nodeConditions = [
  SOURCE_CONDITION,
  ...defaultServerConditions.filter((condition) => condition !== 'module'),
];

// The reference template's copy of services/, made when create-flotilla is built, is tested as a
// generated project by tests/packaging, not as part of this repository.
const exclude = ['**/node_modules/**', '**/.flotilla/**', 'packages/create-flotilla/reference/**'];

export default defineConfig({
  // The workspace packages from their TypeScript sources (see their exports), in the tests and in
  // every process a test spawns.
  resolve: { conditions: nodeConditions },
  ssr: { resolve: { conditions: nodeConditions } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, '**/*.infra.test.ts', 'tests/reliability/**'],
          env: { DATABASE_URL: '' },
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['**/*.test.ts'],
          exclude: [...exclude, 'tests/reliability/**'],
          env: infraEnv,
        },
      },
      {
        extends: true,
        test: {
          // Faults injected into running processes and engines; slow, so a suite of its own.
          name: 'reliability',
          include: ['tests/reliability/**/*.test.ts'],
          exclude,
          env: infraEnv,
          testTimeout: 600_000,
          hookTimeout: 120_000,
          // The 10-minute gateway soak (*-soak.test.ts) runs beside the other scenarios so the suite
          // stays under 15 minutes: two workers (`--maxWorkers=2` in the npm scripts; a project
          // cannot set its own), the soak handed out first, so it holds one worker for its whole
          // run while the other takes the remaining files one at a time (they stop and restart
          // shared engines and should not overlap one another). The soak's load is modest for that.
          sequence: { sequencer: SoakFirstSequencer },
        },
      },
    ],
  },
});
