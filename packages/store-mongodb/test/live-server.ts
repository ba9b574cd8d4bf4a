/**
 * The MongoDB server the live suites run against, from KAIROS_TEST_MONGODB_URL. Without it they
 * are skipped, with one line from global-setup.ts; that is not a failure, even under CI=true,
 * because no MongoDB server is part of this repository's CI.
 */
export const LIVE_MONGODB_URL: string | undefined =
  process.env['KAIROS_TEST_MONGODB_URL'] === ''
    ? undefined
    : process.env['KAIROS_TEST_MONGODB_URL'];
