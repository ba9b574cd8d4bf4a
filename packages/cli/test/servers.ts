/**
 * The PostgreSQL and Redis servers the CLI tests use, and how a test removes what it made
 * there: a schema, or the keys under a prefix.
 */
import { execFileSync } from 'node:child_process';

export const POSTGRES_URL =
  process.env['KAIROS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env['KAIROS_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/** Drops a schema of the test database, with everything in it. */
export function dropPostgresSchema(schema: string): void {
  execFileSync('psql', [POSTGRES_URL, '-qc', `DROP SCHEMA IF EXISTS ${schema} CASCADE`]);
}

/** Deletes every Redis key that starts with `prefix`. */
export function deleteRedisKeys(prefix: string): void {
  const keys = execFileSync('redis-cli', ['-u', REDIS_URL, '--scan', '--pattern', `${prefix}*`])
    .toString()
    .split('\n')
    .filter((key) => key !== '');
  if (keys.length > 0) execFileSync('redis-cli', ['-u', REDIS_URL, 'DEL', ...keys]);
}
