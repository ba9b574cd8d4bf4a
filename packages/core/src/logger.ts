/**
 * Logging: the scheduler writes APScheduler's log lines to a pluggable, pino-compatible
 * logger. Loud by default, as APScheduler's logging is: warnings and errors go to stderr
 * ({@link defaultLogger}) until a logger is configured, or `false` silences them.
 */
import type { Logger, LogMethod } from './interfaces.js';

/** Log levels, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const ignore: LogMethod = () => undefined;

/** A logger that drops everything: what `logger: false` configures. */
export const silentLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  isLevelEnabled: () => false,
};

/**
 * A logger printing `level message` lines to the console (errors with their stack), from
 * `level` up. For scripts and examples; services should pass their pino logger.
 */
export function consoleLogger(level: LogLevel = 'info'): Logger {
  const threshold = LEVELS.indexOf(level);
  const method = (name: LogLevel, sink: (line: string) => void): LogMethod =>
    LEVELS.indexOf(name) < threshold
      ? ignore
      : (first: string | Record<string, unknown>, message?: string) => {
          if (typeof first === 'string') return sink(`${name.toUpperCase()} ${first}`);
          const err = first.err;
          const detail = err instanceof Error ? `\n${err.stack ?? String(err)}` : '';
          sink(`${name.toUpperCase()} ${message ?? ''}${detail}`);
        };
  return {
    debug: method('debug', (line) => console.debug(line)),
    info: method('info', (line) => console.info(line)),
    warn: method('warn', (line) => console.warn(line)),
    error: method('error', (line) => console.error(line)),
    isLevelEnabled: (name) => LEVELS.indexOf(name as LogLevel) >= threshold,
  };
}

/**
 * The scheduler's view of a logger: which levels are on is worked out once, so hot paths skip
 * building lines nobody reads, and a logger that throws never breaks the scheduler.
 */
export class Log {
  readonly logger: Logger;
  readonly debugOn: boolean;
  readonly infoOn: boolean;
  readonly warnOn: boolean;

  constructor(logger: Logger) {
    this.logger = logger;
    const enabled = (level: LogLevel): boolean => logger.isLevelEnabled?.(level) ?? true;
    this.debugOn = enabled('debug');
    this.infoOn = enabled('info');
    this.warnOn = enabled('warn');
  }

  debug(message: string): void {
    if (this.debugOn) guard(() => this.logger.debug(message));
  }

  /** An info line; with `context`, its fields go to the logger too (pino's `info(obj, msg)`). */
  info(message: string, context?: Record<string, unknown>): void {
    if (!this.infoOn) return;
    guard(() =>
      context === undefined ? this.logger.info(message) : this.logger.info(context, message),
    );
  }

  warn(message: string, err?: unknown): void {
    if (!this.warnOn) return;
    guard(() =>
      err === undefined ? this.logger.warn(message) : this.logger.warn({ err }, message),
    );
  }

  error(message: string, err?: unknown): void {
    guard(() =>
      err === undefined ? this.logger.error(message) : this.logger.error({ err }, message),
    );
  }
}

function guard(write: () => void): void {
  try {
    write();
  } catch {
    // A broken logger must not take the scheduler down with it; there is nowhere left to report.
  }
}

/**
 * The logger of a scheduler configured without one: `WARN …` and `ERROR …` lines (errors with
 * their stack) on stderr, through `console.warn` and `console.error`.
 */
export const defaultLogger: Logger = consoleLogger('warn');
