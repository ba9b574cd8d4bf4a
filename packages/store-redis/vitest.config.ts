import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Probes the Redis server once for every test file.
    globalSetup: ['test/global-setup.ts'],
  },
});
