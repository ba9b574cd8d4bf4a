/**
 * The scheduler's settings: what `configure()` sets and the other rooms of the scheduler read at
 * the moment they need it (a setting cannot change while the scheduler runs).
 */
import { hostTimezone } from '@kairos/triggers';
import { systemClock } from '../clock.js';
import type { ParsedConfig } from '../config/index.js';
import { newSchedulerId } from '../ids.js';
import type { Clock, JobDefaults } from '../interfaces.js';
import { DEFAULT_RETENTION } from '../jobstores/run-rows.js';
import type { Retention } from '../ledger.js';
import { defaultLogger, Log } from '../logger.js';

/** The scalar settings of one scheduler, with APScheduler's defaults. */
export class Settings {
  timezone: string = hostTimezone();
  jobDefaults: Required<JobDefaults> = { misfireGraceTime: 1, coalesce: true, maxInstances: 1 };
  /** Seconds before a failed job store is asked again. */
  jobstoreRetryInterval = 10;
  /** The longest the loop sleeps, in seconds, before it looks at the stores again. */
  maxSleepTime = 60;
  daemon = true;
  clock: Clock = systemClock;
  log = new Log(defaultLogger);
  /** The scheduler's id in shared stores: `host:pid:random` unless configured. */
  schedulerId: string = newSchedulerId();
  /** Seconds a run's lease lasts. */
  leaseSeconds = 30;
  /** How much run history to keep per job; null for none. */
  history: Retention | null = DEFAULT_RETENTION;

  /** Takes the settings a parsed configuration gives, keeping the others. */
  apply(parsed: ParsedConfig): void {
    if (parsed.timezone !== undefined) this.timezone = parsed.timezone;
    if (parsed.jobDefaults !== undefined) {
      this.jobDefaults = { ...this.jobDefaults, ...definedOnly(parsed.jobDefaults) };
    }
    if (parsed.jobstoreRetryInterval !== undefined)
      this.jobstoreRetryInterval = parsed.jobstoreRetryInterval;
    if (parsed.maxSleepTime !== undefined) this.maxSleepTime = parsed.maxSleepTime;
    if (parsed.daemon !== undefined) this.daemon = parsed.daemon;
    if (parsed.clock !== undefined) this.clock = parsed.clock;
    if (parsed.logger !== undefined) this.log = new Log(parsed.logger);
    if (parsed.schedulerId !== undefined) this.schedulerId = parsed.schedulerId;
    if (parsed.leaseSeconds !== undefined) this.leaseSeconds = parsed.leaseSeconds;
    if (parsed.history !== undefined)
      this.history = parsed.history === false ? null : parsed.history;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
