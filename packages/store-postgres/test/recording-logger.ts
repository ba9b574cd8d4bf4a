/** A logger that keeps what it is given, for asserting on warnings. */
import type { Logger } from '@kairos/core';

/** One logged line. */
export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly context: Record<string, unknown> | undefined;
}

/** A {@link Logger} recording every line in {@link lines}. */
export class RecordingLogger implements Logger {
  readonly lines: LoggedLine[] = [];
  readonly debug = this.#method('debug');
  readonly info = this.#method('info');
  readonly warn = this.#method('warn');
  readonly error = this.#method('error');

  /** The messages logged at one level. */
  messages(level: LoggedLine['level']): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }

  #method(level: LoggedLine['level']): Logger['warn'] {
    return (first: string | Record<string, unknown>, second?: string) => {
      this.lines.push(
        typeof first === 'string'
          ? { level, message: first, context: undefined }
          : { level, message: second ?? '', context: first },
      );
    };
  }
}
