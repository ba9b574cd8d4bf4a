/** Where the tests look for Redis: `KAIROS_TEST_REDIS_URL`, default the local server. */
export const REDIS_URL = process.env['KAIROS_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
