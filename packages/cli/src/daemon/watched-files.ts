/**
 * The files `kairos run` was given: each read once (also when named twice, or directly and
 * through a symlink), all read together, and watched for changes, also of a symlink's target.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { messageOf } from '../errors.js';
import type { DaemonLog } from './run-log.js';

/**
 * The files, each once by the file it is (its real path): a file named twice (`crontab
 * ./crontab`) would be read twice and counted twice, and a file named also through a symlink
 * would give its jobs other ids, and so run each of them twice.
 */
export async function distinctFiles(files: readonly string[], log: DaemonLog): Promise<string[]> {
  const byRealPath = new Map<string, string>();
  for (const file of files) {
    const real = await realPathOf(file);
    const first = byRealPath.get(real);
    if (first === undefined) byRealPath.set(real, file);
    else log.warn('daemon', `${file} is the same file as ${first}: it is read once`);
  }
  return [...byRealPath.values()];
}

/** One text per file, read now; an error for a file that cannot be read. */
export async function readFiles(files: readonly string[]): Promise<Map<string, string | Error>> {
  const texts = new Map<string, string | Error>();
  for (const file of files) {
    try {
      texts.set(file, await readFile(file, 'utf8'));
    } catch (error) {
      texts.set(file, error instanceof Error ? error : new Error(String(error)));
    }
  }
  return texts;
}

/**
 * Watches the folders of the files, and of their symlinks' targets, and calls `onChange` at any
 * change in them. Folders rather than files: editors and Kubernetes config maps replace a file
 * (a new inode), or the symlink to it, which a watch on the file itself would not follow.
 */
export class FileWatch {
  readonly #files: readonly string[];
  readonly #onChange: () => void;
  readonly #log: DaemonLog;
  readonly #watchers = new Map<string, FSWatcher>();
  #closed = false;

  constructor(files: readonly string[], onChange: () => void, log: DaemonLog) {
    this.#files = files;
    this.#onChange = onChange;
    this.#log = log;
  }

  /**
   * Watches the folders the files are in now, and no others: a symlink's target may have moved
   * since the last call (`ln -sfn`), which the watch on the symlink's own folder saw.
   */
  async follow(): Promise<void> {
    const folders = new Set<string>();
    for (const file of this.#files) {
      folders.add(dirname(resolve(file)));
      folders.add(dirname(await realPathOf(file)));
    }
    if (this.#closed) return;
    for (const [folder, watcher] of this.#watchers) {
      if (folders.has(folder)) continue;
      watcher.close();
      this.#watchers.delete(folder);
    }
    for (const folder of folders) if (!this.#watchers.has(folder)) this.#watch(folder);
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #watch(folder: string): void {
    try {
      const watcher = watch(folder, () => this.#onChange());
      watcher.on('error', (error) => {
        watcher.close();
        if (this.#watchers.get(folder) === watcher) this.#watchers.delete(folder);
        this.#log.warn(
          'daemon',
          `cannot watch ${folder} any more (${error.message}); SIGHUP still reloads`,
        );
      });
      this.#watchers.set(folder, watcher);
    } catch (error) {
      this.#log.warn(
        'daemon',
        `cannot watch ${folder} (${messageOf(error)}); SIGHUP still reloads`,
      );
    }
  }
}

/** The absolute path of the file a path names, through symlinks; as given when it is missing. */
async function realPathOf(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return resolve(file);
  }
}
