/**
 * `kairos jobs runs`: its options are checked in the command's own words (the option as typed,
 * `running` for runs in flight) before any store is opened. The runs themselves, read from real
 * stores, are in jobs.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { kairos } from './cli.js';

// Never opened: every case below is refused before.
const store = 'sqlite:/nonexistent/kairos-runs-options.sqlite';
const OUTCOMES = 'executed, error, missed, skipped, timeout, cancelled, abandoned, running';

describe('kairos jobs runs: option values', () => {
  test.each([
    [
      ['--since', 'garbage'],
      "--since 'garbage' is not an ISO 8601 time; write for example 2025-03-30T09:00 (wall time in UTC) or 2025-03-30T07:00Z",
    ],
    [['--until', '2025-13-01'], "--until '2025-13-01' is not an ISO 8601 time"],
    [
      ['--outcome', 'bogus'],
      `--outcome 'bogus' is not a run outcome; write one or a comma-separated list of ${OUTCOMES}`,
    ],
    [['--outcome', 'error,running,exploded'], "--outcome 'exploded' is not a run outcome"],
    [['--outcome', ','], "--outcome ',' names no outcome"],
    [
      ['--cursor', 'xyz'],
      "--cursor 'xyz' is not a cursor printed by an earlier `kairos jobs runs`",
    ],
    [['--job', ''], "--job '' is not a job id"],
    [['--limit', '0'], "--limit '0' is not a whole number from 1 to 1000"],
  ])('%j: a usage error (exit 2) in the command\u2019s words', async (args, message) => {
    const result = await kairos(['jobs', 'runs', '--store', store, ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(result.stderr.split('\n')[0] + '\n');
    expect(result.stderr).toContain(`kairos: ${message}`);
    // Not the library's words.
    expect(result.stderr).not.toMatch(/getRuns|nextRunTime|null: in flight/);
  });

  test('valid values pass on to the store (here: a missing file)', async () => {
    const result = await kairos([
      'jobs',
      'runs',
      '--store',
      store,
      '--since',
      '2025-01-01',
      '--until',
      '2025-01-02T00:00Z',
      '--outcome',
      'error, running',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("there is no file '/nonexistent/kairos-runs-options.sqlite'");
  });
});
