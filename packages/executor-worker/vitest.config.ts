import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Real worker threads: each test file starts its own pools.
    testTimeout: 20_000,
  },
});
