/**
 * The daemon's log: one line per event, readable (`2025-01-06T09:00:00.012Z info  [backup] run
 * … exited 0 in 1.2 s`) or, with `--json`, one JSON object per line with the fields `time`,
 * `level`, `event`, `job`, `jobId`, `runId`, `due`, `exitCode`, `signal`, `durationMs`,
 * `stream`, `message`. Also the logger handed to the scheduler, which turns its command output lines into
 * `output` events and keeps only the warnings and errors the run events do not already say.
 */
import type { Logger, LogMethod } from 'kairos';

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One thing that happened, as the log writes it. */
export interface LogEvent {
  level: LogLevel;
  /**
   * What happened: `daemon` (start, stop, reload), `started`, `output`, `finished`, `failed`,
   * `missed`, `skipped`, `replaced`, `scheduler` (the scheduler's own warnings and errors).
   */
  event: string;
  message: string;
  job?: string;
  jobId?: string;
  runId?: string;
  exitCode?: number | null;
  signal?: string | null;
  durationMs?: number | null;
  stream?: 'stdout' | 'stderr';
  /** The run's scheduled time (ISO 8601, UTC). */
  due?: string;
}

/** Writes log events as lines. */
export class DaemonLog {
  readonly #write: (line: string) => void;
  readonly #json: boolean;
  readonly #now: () => Date;

  constructor(write: (line: string) => void, options: { json: boolean; now?: () => Date }) {
    this.#write = write;
    this.#json = options.json;
    this.#now = options.now ?? (() => new Date());
  }

  /** Writes one event. */
  log(event: LogEvent): void {
    const time = this.#now().toISOString();
    if (this.#json) {
      this.#write(`${JSON.stringify({ time, ...event })}\n`);
      return;
    }
    const job = event.job === undefined ? '' : `[${event.job}] `;
    this.#write(`${time} ${event.level.padEnd(5)} ${job}${event.message}\n`);
  }

  info(event: string, message: string, fields: Partial<LogEvent> = {}): void {
    this.log({ level: 'info', event, message, ...fields });
  }

  warn(event: string, message: string, fields: Partial<LogEvent> = {}): void {
    this.log({ level: 'warn', event, message, ...fields });
  }

  error(event: string, message: string, fields: Partial<LogEvent> = {}): void {
    this.log({ level: 'error', event, message, ...fields });
  }

  /**
   * The logger for the scheduler: command output lines (logged with `jobId`, `stream` and
   * `line` fields) become `output` events; the lines that
   * repeat a run event the daemon logs itself (failed, cancelled, missed, skipped runs) are
   * dropped, and the other warnings and errors are `scheduler` events.
   */
  schedulerLogger(jobOf: (id: string) => string | undefined): Logger {
    const repeated =
      /^(Running job |Job "[^]*" (executed successfully|\(id \S+\) (raised an exception|was cancelled))|Execution of job "[^]*" \(id \S+\) skipped|Run time of job "[^]*" \(id \S+\) was missed|Added job |Removed job |Scheduler (started|has been shut down|paused|resumed)|Adding job tentatively)/;
    const method =
      (level: LogLevel): LogMethod =>
      (first: string | Record<string, unknown>, text?: string) => {
        const message = typeof first === 'string' ? first : (text ?? '');
        // A command job's output line carries its fields (see core's command-function.ts).
        if (typeof first === 'object' && typeof first['stream'] === 'string') {
          const jobId = typeof first['jobId'] === 'string' ? first['jobId'] : '';
          const stream = first['stream'] === 'stderr' ? 'stderr' : 'stdout';
          this.info('output', `${stream}: ${String(first['line'])}`, {
            job: jobOf(jobId) ?? jobId,
            jobId,
            ...(typeof first['runId'] === 'string' ? { runId: first['runId'] } : {}),
            stream,
          });
          return;
        }
        if (level === 'debug' || level === 'info' || repeated.test(message)) return;
        const err = typeof first === 'string' ? undefined : first.err;
        const detail = err instanceof Error ? `: ${err.message}` : '';
        this.log({ level, event: 'scheduler', message: `${message}${detail}` });
      };
    return {
      debug: method('debug'),
      info: method('info'),
      warn: method('warn'),
      error: method('error'),
      isLevelEnabled: (level) => level !== 'debug',
    };
  }
}

/** `350 ms`, `1.2 s`, `4.5 min`, `2.0 h`, `2533.0 days`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}
