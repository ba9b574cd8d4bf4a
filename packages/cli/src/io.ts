/** Where a command writes: the process's streams, or buffers in tests. */
export interface CommandIO {
  /** Results: findings, run times, tables. */
  out(text: string): void;
  /** Diagnostics: usage errors, failures. */
  err(text: string): void;
}

/**
 * The exit status when the reader of our output goes away (`kairos next … | head -1`): 141,
 * what the shell reports for `ls` or `git` killed by SIGPIPE (128 + 13). Node ignores SIGPIPE, so
 * a write fails with EPIPE instead and we exit with that status ourselves, quietly. Not 0: output
 * was cut short, and `kairos check bad.crontab | head -1` under `set -o pipefail` must not read
 * as "no problem found".
 */
const EXIT_READER_GONE = 141;

const watched = new WeakSet<NodeJS.WriteStream>();

/** Writes to a standard stream, exiting with {@link EXIT_READER_GONE} when its reader has closed. */
function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (!watched.has(stream)) {
    watched.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT_READER_GONE);
      throw error;
    });
  }
  stream.write(text);
}

/** The process's standard output and error. */
export const processIO: CommandIO = {
  out: (text) => writeTo(process.stdout, text),
  err: (text) => writeTo(process.stderr, text),
};
