/** The errors @kairos/testkit throws when a test harness is used in a way it cannot serve. */

/**
 * A testkit helper was used out of place: before it was ready, outside a test, on a package
 * that is not built, or without the server a CI run needs. The message says what to do.
 */
export class TestkitUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestkitUsageError';
  }
}
