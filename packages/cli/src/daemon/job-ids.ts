/**
 * The ids of the jobs `kairos run` and `kairos crontab import` make, derived from the file and
 * the line's command (never from its position or schedule), so a restarted daemon, a peer
 * daemon on the same store and an import all name a line's job alike, and a changed schedule
 * replaces the job rather than adding another.
 */
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';

/**
 * The part of every id that names the file: its base name and a hash of its absolute path
 * (`crontab.3f9a2b1c`). Peers must read the file at the same path to agree.
 */
export function fileKey(file: string): string {
  return `${basename(file)}.${hash(resolve(file)).slice(0, 8)}`;
}

/** The ids of the jobs of a file, whichever: `<base name>.<8 hex digits>/…`. */
export const FILE_JOB_ID = /^[^/]+\.[0-9a-f]{8}\/./;

/** The prefix of every id of the jobs of `file`: `crontab.3f9a2b1c/`. */
export function fileIdPrefix(file: string): string {
  return `${fileKey(file)}/`;
}

/**
 * A crontab line's job id: the file, the user field (system tables), the command and its
 * standard input, and which occurrence of that same command in the file it is (1 for the
 * first). `@reboot` lines get a `reboot-` id of their own.
 */
export function crontabJobId(
  file: string,
  line: { user: string | null; command: string; stdin: string | null; reboot: boolean },
  occurrence: number,
): string {
  const key = hash(
    [line.user ?? '', line.command, line.stdin ?? '', String(occurrence)].join('\0'),
  );
  return `${fileIdPrefix(file)}${line.reboot ? 'reboot-' : ''}${key.slice(0, 12)}`;
}

/** A job file's job id: the file and the job's name (names are unique in a file). */
export function namedJobId(file: string, name: string): string {
  return `${fileIdPrefix(file)}${name}`;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
