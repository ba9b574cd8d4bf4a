/**
 * Users' crontabs through the system's `crontab` command, as python-crontab does: `crontab -l`
 * to read, `crontab -` to install (cron checks the text, the spool file keeps its owner and
 * mode, and cron notices the change), `-u user` for another user (root only).
 */
import { spawn } from 'node:child_process';
import { CrontabCommandError } from './errors.js';

/** The program run for users' crontabs. Tests and unusual systems may change it. */
export const crontabProgram = { path: 'crontab' };

interface CommandResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `crontab` with `args`, feeding `input`; rejects only when it cannot start. */
function run(args: string[], input: Buffer | null): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(crontabProgram.path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? undefined);
  });
}

/** {@link run}, with a program that cannot start reported as a {@link CrontabCommandError}. */
async function runOrExplain(args: string[], input: Buffer | null): Promise<CommandResult> {
  try {
    return await run(args, input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CrontabCommandError(commandLine(args), null, reason, INSTALL_HINT);
  }
}

const INSTALL_HINT = 'Install cron (Debian: apt-get install cron) or set crontabProgram.path.';

function commandLine(args: string[]): string {
  return [crontabProgram.path, ...args].join(' ');
}

function userArgs(user: string | null): string[] {
  return user === null ? [] : ['-u', user];
}

async function runChecked(args: string[], input: Buffer | null, hint: string): Promise<Buffer> {
  const result = await runOrExplain(args, input);
  if (result.code !== 0)
    throw new CrontabCommandError(commandLine(args), result.code, result.stderr, hint);
  return result.stdout;
}

/** The bytes of a user's crontab (`crontab [-u user] -l`); empty when the user has none. */
export async function readUserCrontabBytes(user: string | null): Promise<Buffer> {
  const args = [...userArgs(user), '-l'];
  const result = await runOrExplain(args, null);
  if (result.code === 0) return result.stdout;
  if (/no crontab for/i.test(result.stderr)) return Buffer.alloc(0);
  throw new CrontabCommandError(
    commandLine(args),
    result.code,
    result.stderr,
    permissionHint(user),
  );
}

/** Installs `bytes` as a user's crontab (`crontab [-u user] -`). */
export async function writeUserCrontab(bytes: Uint8Array, user: string | null): Promise<void> {
  await runChecked([...userArgs(user), '-'], Buffer.from(bytes), permissionHint(user));
}

/** Removes a user's crontab (`crontab [-u user] -r`); nothing happens when there is none. */
export async function removeUserCrontab(user: string | null = null): Promise<void> {
  const args = [...userArgs(user), '-r'];
  const result = await runOrExplain(args, null);
  if (result.code !== 0 && !/no crontab for/i.test(result.stderr))
    throw new CrontabCommandError(
      commandLine(args),
      result.code,
      result.stderr,
      permissionHint(user),
    );
}

function permissionHint(user: string | null): string {
  return user === null
    ? 'Check that you may use crontab (/etc/cron.allow, /etc/cron.deny).'
    : `Only root may use another user's crontab, and '${user}' must exist; check the name and run as root.`;
}
