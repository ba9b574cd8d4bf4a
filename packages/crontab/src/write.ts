/**
 * Atomic file writes: the new content goes to a temporary file in the same folder, is flushed to
 * disk, takes the old file's mode (and owner, when running as root), and is renamed over the
 * target, so a reader (cron) sees the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { chown, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Mode of a new file (an existing file keeps its own). Default 0o644. */
  mode?: number;
}

/** Writes `data` to `path` atomically (temporary file + rename). */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const existing = await stat(path).catch(() => null);
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await open(temporary, 'wx', existing?.mode ?? options.mode ?? 0o644);
  try {
    try {
      await handle.writeFile(data);
      if (existing !== null) {
        await handle.chmod(existing.mode & 0o7777);
        if (process.getuid?.() === 0) await chown(temporary, existing.uid, existing.gid);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
