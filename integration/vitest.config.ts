import { defineConfig } from 'vitest/config';

// Real processes against real servers, on wall-clock time. Files run one after another: the
// outage file stops PostgreSQL, which no other file may see; inside a file the tests of the
// three stores run concurrently (it.concurrent) to keep the whole run short.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 150_000,
    hookTimeout: 60_000,
    maxConcurrency: 6,
  },
});
