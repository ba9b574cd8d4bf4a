/**
 * The errors of the `kairos` command and its exit codes. A {@link UsageError} is a mistake in
 * how the command was called (exit 2); problems the command finds in files or jobs are reported
 * as findings and exit 1.
 */

/** The exit codes of every `kairos` command (documented in docs/cli.md). */
export const EXIT = {
  /** Done, nothing wrong found. */
  ok: 0,
  /** Problems found (check), a job failed (jobs run), or a store could not be used. */
  problems: 1,
  /** The command was called wrongly: unknown option, bad value, missing file. */
  usage: 2,
} as const;

/** A command-line mistake: the message names the option or argument and the bad value. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure that is not the caller's mistake (a store that cannot be reached, a job that failed). */
export class CommandFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailedError';
  }
}

/** An error's message; a thrown value that is not an Error, as a string. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
