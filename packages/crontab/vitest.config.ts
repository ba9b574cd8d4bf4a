import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // A hang guard, not a speed limit: CI runs every package's tests at once on two cores.
    testTimeout: 30_000,
  },
});
