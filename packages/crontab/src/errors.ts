/**
 * The errors of @kairos/crontab. Every message names where the problem is (line and column, or
 * the user and file) and what to do about it.
 */
import type { CrontabProblem } from './interfaces.js';

/** Base class of every error this package throws. */
export class CrontabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A schedule, line or crontab that cron would refuse. `problems` lists each finding with its
 * line, column, field and value; the message repeats the first ones.
 */
export class CrontabSyntaxError extends CrontabError {
  /** Every error found (warnings are not included). */
  readonly problems: readonly CrontabProblem[];

  constructor(problems: readonly CrontabProblem[], where = '') {
    const shown = problems.slice(0, 5).map((problem) => formatProblem(problem));
    const more = problems.length > 5 ? `\n  … and ${problems.length - 5} more` : '';
    super(
      `${where === '' ? 'crontab' : where} has ${problems.length} error${problems.length === 1 ? '' : 's'} that cron would refuse:\n  ${shown.join('\n  ')}${more}`,
    );
    this.problems = problems;
  }
}

/**
 * A builder call with a value cron cannot hold (`minute.on(75)`, `every(0)`), or an edit that
 * would change what cron runs (a comment after `%` input). Names the field and the value.
 */
export class CrontabValueError extends CrontabError {
  /** The field or property being set, e.g. `'minute'` or `'comment'`. */
  readonly field: string;
  /** The rejected value. */
  readonly value: unknown;

  constructor(field: string, value: unknown, message: string) {
    super(message);
    this.field = field;
    this.value = value;
  }
}

/**
 * The system's `crontab` command failed or is missing: names the command line, its exit status
 * and what it printed.
 */
export class CrontabCommandError extends CrontabError {
  /** The command line that was run, e.g. `crontab -u alice -l`. */
  readonly command: string;
  /** Its exit status, or null when it could not start. */
  readonly exitCode: number | null;
  /** What it printed on stderr. */
  readonly stderr: string;

  constructor(command: string, exitCode: number | null, stderr: string, hint: string) {
    const status = exitCode === null ? 'could not start' : `exited with status ${exitCode}`;
    const said = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
    super(`'${command}' ${status}${said}. ${hint}`);
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** One problem as text: `line 3, column 1 (minute): '61' is out of range … `. */
export function formatProblem(problem: CrontabProblem): string {
  const field = problem.field === null ? '' : ` (${problem.field})`;
  return `line ${problem.line}, column ${problem.column}${field}: ${problem.message}`;
}
