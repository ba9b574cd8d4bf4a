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
export const EXIT_READER_GONE = 141;

const watched = new WeakSet<NodeJS.WriteStream>();
/** The streams whose reader has gone: what is written to them is dropped. */
const gone = new WeakSet<NodeJS.WriteStream>();

/** What happens when a reader goes away: by default, exit at once with 141. */
let readerGone: () => void = () => process.exit(EXIT_READER_GONE);

/**
 * Replaces the exit at once when the reader of standard output or error goes away: the daemon
 * stops as at SIGTERM instead, so the commands it runs are stopped, not left behind. Called once
 * per stream; later writes to that stream are dropped.
 */
export function whenReaderGone(handler: () => void): void {
  readerGone = handler;
}

/** Writes to a standard stream; see {@link EXIT_READER_GONE} and {@link whenReaderGone}. */
function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (gone.has(stream)) return;
  if (!watched.has(stream)) {
    watched.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      if (gone.has(stream)) return;
      gone.add(stream);
      readerGone();
    });
  }
  stream.write(text);
}

/** The process's standard output and error. */
export const processIO: CommandIO = {
  out: (text) => writeTo(process.stdout, text),
  err: (text) => writeTo(process.stderr, text),
};
