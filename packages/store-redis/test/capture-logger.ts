/** A logger that keeps its lines, for tests that check what a store logs. */
import type { Logger } from '@kairos/core';

/** One logged line. */
export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

/** A {@link Logger} recording every line in `lines`. */
export function captureLogger(): Logger & { readonly lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const method =
    (level: LoggedLine['level']) =>
    (first: string | Record<string, unknown>, second?: string): void => {
      lines.push({ level, message: typeof first === 'string' ? first : (second ?? '') });
    };
  return {
    lines,
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
  };
}
