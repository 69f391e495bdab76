import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['services/*/src/**/*.test.ts'],
    // Each service test starts the service on an in-memory PGlite; its first start compiles the WASM.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
