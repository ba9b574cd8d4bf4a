import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Tests run on a fake clock; this only stops a hung test from stalling CI.
    testTimeout: 30_000,
  },
});
