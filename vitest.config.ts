import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Process tests run the built dist/bin: build it (incrementally) before any test starts.
    globalSetup: ['test/harness/build-dist.ts', 'test/harness/build-compat.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
