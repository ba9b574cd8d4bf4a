import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The crontab corpus: odd spacing, tabs, env lines, specials, CRLF, encodings. */
export const corpusDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'corpus');

/** File names of the corpus. */
export function corpusFiles(): string[] {
  return readdirSync(corpusDir).sort();
}

/** A fresh temporary folder. */
export function temporaryDir(): string {
  return mkdtempSync(join(tmpdir(), 'kairos-crontab-'));
}

/** True when a program is on PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** True when running as root. */
export const isRoot = process.getuid?.() === 0;

/** The system tables of this machine: /etc/crontab and the files of /etc/cron.d, when present. */
export function systemCrontabFiles(): string[] {
  const files = existsSync('/etc/crontab') ? ['/etc/crontab'] : [];
  if (existsSync('/etc/cron.d'))
    for (const name of readdirSync('/etc/cron.d').sort()) {
      const path = join('/etc/cron.d', name);
      if (statSync(path).isFile()) files.push(path);
    }
  return files;
}
