import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Prints the one line saying the live-server suites are skipped, when they are.
    globalSetup: ['test/global-setup.ts'],
  },
});
