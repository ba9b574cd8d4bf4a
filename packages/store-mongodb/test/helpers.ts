/** What the store tests share: a logger that records its lines, and waiting in real time. */
import type { Logger, LogMethod } from '@kairos/core';

/** One logged line. */
export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly err?: unknown;
}

/** A logger keeping every line in `lines`. */
export function recordingLogger(): Logger & { readonly lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const method =
    (level: LoggedLine['level']): LogMethod =>
    (first: string | Record<string, unknown>, message?: string) => {
      if (typeof first === 'string') lines.push({ level, message: first });
      else lines.push({ level, message: message ?? '', err: first['err'] });
    };
  return {
    lines,
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
  };
}

/** The lines of a recording logger as `level message` strings, for plain assertions. */
export function textOf(lines: readonly LoggedLine[]): string[] {
  return lines.map((line) => `${line.level} ${line.message}`);
}

/** Polls `condition` every 5 ms (real time) until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(5);
  }
  return condition();
}

/** Waits `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
