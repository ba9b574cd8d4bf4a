/**
 * Command tasks: a job whose task is a program to run rather than a function, either a shell
 * line (`{ command: 'pg_dump app > /backup/app.sql' }`, run by `/bin/sh -c`) or an argument
 * vector run without a shell (`{ argv: ['pg_dump', 'app'] }`).
 */
import { JobOptionError } from '../errors.js';
import { nearestName } from '@kairos/triggers';

/** How a command task runs, besides what it runs. */
export interface CommandOptions {
  /** The working directory. Default: the scheduler process's. */
  readonly cwd?: string;
  /** Environment variables, merged over the scheduler process's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Text written to the command's standard input, which is then closed. Default: no input. */
  readonly stdin?: string;
  /**
   * Seconds the command may run before its whole process group is sent SIGTERM (then SIGKILL
   * after `killGrace`). Default: no limit of its own (the job's `timeout` still applies, with
   * the same signals).
   */
  readonly timeout?: number;
  /** Seconds between SIGTERM and SIGKILL when the command is stopped. Default 5. */
  readonly killGrace?: number;
  /** The user id to run as (the scheduler must run as root to switch). Default: its own. */
  readonly uid?: number;
  /** The group id to run as. Default: the scheduler's own. */
  readonly gid?: number;
}

/** A shell line, run by `/bin/sh -c`. */
export interface ShellCommandTask extends CommandOptions {
  /** The line `/bin/sh -c` runs, with its pipes, redirections and variables. */
  readonly command: string;
}

/** A program and its arguments, run without a shell (`argv[0]` is looked up on `PATH`). */
export interface ArgvCommandTask extends CommandOptions {
  /** The program (`argv[0]`) and its arguments, passed to it as they are. */
  readonly argv: readonly string[];
}

/** A task that runs a program: a shell line or an argument vector. */
export type CommandTask = ShellCommandTask | ArgvCommandTask;

/** The seconds between SIGTERM and SIGKILL when no `killGrace` is given. */
export const DEFAULT_KILL_GRACE = 5;

const KEYS = [
  'command',
  'argv',
  'cwd',
  'env',
  'stdin',
  'timeout',
  'killGrace',
  'uid',
  'gid',
] as const;

/** Whether a task value is meant as a command task (a plain object with `command` or `argv`). */
export function isCommandTask(task: unknown): task is CommandTask {
  return (
    typeof task === 'object' &&
    task !== null &&
    !Array.isArray(task) &&
    ('command' in task || 'argv' in task)
  );
}

/**
 * Checks a command task and returns a frozen copy holding only its own keys.
 * @param job names the job in error messages
 * @throws JobOptionError naming the field and value
 */
export function checkCommandTask(task: unknown, job: string): CommandTask {
  const fail = (field: string, value: unknown, problem: string): never => {
    throw new JobOptionError(job, field === '' ? 'task' : `task.${field}`, value, problem);
  };
  if (!isCommandTask(task)) {
    return fail('', task, 'a command task is an object with `command` (a shell line) or `argv`');
  }
  const record = task as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if ((KEYS as readonly string[]).includes(key)) continue;
    const near = nearestName(key, KEYS);
    fail(
      key,
      record[key],
      `not an option of a command task` +
        (near === undefined ? ` (options: ${KEYS.join(', ')})` : `; did you mean '${near}'?`),
    );
  }
  const { command, argv, cwd, env, stdin, timeout, killGrace, uid, gid } = record;
  if ('command' in record && 'argv' in record) {
    fail('argv', argv, 'give `command` (run by /bin/sh -c) or `argv` (no shell), not both');
  }
  if ('command' in record && (typeof command !== 'string' || command.trim() === '')) {
    fail('command', command, 'must be a non-empty string (a line for /bin/sh -c)');
  }
  if (
    'argv' in record &&
    (!Array.isArray(argv) ||
      argv.length === 0 ||
      argv.some((arg) => typeof arg !== 'string') ||
      argv[0] === '')
  ) {
    fail('argv', argv, "must be a non-empty array of strings, the program first: ['ls', '-l']");
  }
  if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '')) {
    fail('cwd', cwd, 'must be a directory path');
  }
  if (env !== undefined) {
    if (typeof env !== 'object' || env === null || Array.isArray(env)) {
      fail('env', env, "must be an object of strings: { PATH: '/usr/bin' }");
    }
    for (const [name, value] of Object.entries(env as object)) {
      if (typeof value !== 'string') fail(`env.${name}`, value, 'must be a string');
      if (name === '' || name.includes('=') || name.includes('\0')) {
        fail('env', name, 'a variable name must be non-empty, without = or NUL');
      }
    }
  }
  if (stdin !== undefined && typeof stdin !== 'string') fail('stdin', stdin, 'must be a string');
  for (const [field, value] of [
    ['timeout', timeout],
    ['killGrace', killGrace],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !(value > 0) || value === Infinity)) {
      fail(field, value, 'must be a positive number of seconds');
    }
  }
  for (const [field, value] of [
    ['uid', uid],
    ['gid', gid],
  ] as const) {
    if (
      value !== undefined &&
      (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    ) {
      fail(field, value, 'must be a numeric id, an integer ≥ 0');
    }
  }
  const checked: Record<string, unknown> = {};
  for (const key of KEYS) if (record[key] !== undefined) checked[key] = record[key];
  if (checked['argv'] !== undefined) checked['argv'] = Object.freeze([...(argv as string[])]);
  if (checked['env'] !== undefined) checked['env'] = Object.freeze({ ...(env as object) });
  return Object.freeze(checked) as unknown as CommandTask;
}

/** The program a command task runs: `/bin/sh` for a shell line, else `argv[0]`. */
export function commandProgram(task: CommandTask): string {
  return 'argv' in task ? (task.argv[0] ?? '') : '/bin/sh';
}

/** The command as a reader would type it: `pg_dump app` (a command job's default name). */
export function commandText(task: CommandTask): string {
  return 'command' in task ? task.command : task.argv.map(quoteArgument).join(' ');
}

/** The command quoted for messages: `'pg_dump app'`. */
export function describeCommand(task: CommandTask): string {
  return `'${commandText(task)}'`;
}

function quoteArgument(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`;
}
