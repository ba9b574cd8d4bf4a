/**
 * A logger that keeps what it is given, for tests that check what a scheduler, store or
 * executor logs. `@kairos/testkit` re-exports it.
 */
import type { Logger, LogMethod } from './interfaces.js';

/** One log call. */
export interface LogEntry {
  /** The level, named after the method called. */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** The message as given (after the context object, when there was one). */
  readonly message: string;
  /** The `err` of a context object (`logger.error({ err }, message)`), if there was one. */
  readonly err?: unknown;
}

/** A pino-shaped {@link Logger}, every level enabled, recording each call in {@link entries}. */
export class RecordingLogger implements Logger {
  /** Every call, oldest first. */
  readonly entries: LogEntry[] = [];
  /** Records a `debug` call. */
  readonly debug = this.#method('debug');
  /** Records an `info` call. */
  readonly info = this.#method('info');
  /** Records a `warn` call. */
  readonly warn = this.#method('warn');
  /** Records an `error` call. */
  readonly error = this.#method('error');

  /** The messages logged at one level, oldest first. */
  messages(level: LogEntry['level']): string[] {
    return this.entries.filter((entry) => entry.level === level).map((entry) => entry.message);
  }

  #method(level: LogEntry['level']): LogMethod {
    return (first: string | Record<string, unknown>, message?: string) => {
      this.entries.push(
        typeof first === 'string'
          ? { level, message: first }
          : { level, message: message ?? '', err: first['err'] },
      );
    };
  }
}
