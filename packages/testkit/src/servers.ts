/**
 * Test suites that need a real server (PostgreSQL, Redis) ask here whether it answers. Outside
 * CI a missing server skips its suite with one loud line; under `CI=true` it is a failure, so a
 * CI run never passes by skipping what it was meant to test.
 */
import { TestkitUsageError } from './errors.js';

/**
 * Whether a server answers `probe`.
 * @param name the server, for the messages ("PostgreSQL")
 * @param url where it was looked for, for the messages
 * @param probe connects and runs a trivial command; rejects when the server is not there
 * @throws TestkitUsageError under `CI=true` when the server does not answer
 */
export async function serverAvailable(
  name: string,
  url: string,
  probe: () => Promise<void>,
): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (isCI()) {
      throw new TestkitUsageError(
        `${name} does not answer at ${url} (${reason}); CI=true, so its tests cannot be skipped`,
      );
    }
    console.warn(
      `\n!!! ${name} tests SKIPPED: no server at ${url} (${reason}). Start one or set the URL variable.\n`,
    );
    return false;
  }
}

function isCI(): boolean {
  const value = process.env['CI'];
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}
