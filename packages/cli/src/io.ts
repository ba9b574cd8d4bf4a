/** Where a command writes: the process's streams, or buffers in tests. */
export interface CommandIO {
  /** Results: findings, run times, tables. */
  out(text: string): void;
  /** Diagnostics: usage errors, failures. */
  err(text: string): void;
}

/** The process's standard output and error. */
export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};
