/**
 * The main loop: a pass claims the due jobs of every started store (advancing their next run
 * times), hands their runs to the run layer and sleeps until the earliest next run time, at most
 * `maxSleepTime` and never past Node's timer limit. A failing store or trigger is reported and
 * retried after `jobstoreRetryInterval`; nothing stops the loop but the scheduler.
 */
import { formatDuration, formatWallTime } from '@kairos/triggers';
import { MAX_TIMER_MS } from '../clock.js';
import { EVENT_JOB_REMOVED, JobEvent } from '../events.js';
import type { ClaimedRun, ClockTimer, JobStore } from '../interfaces.js';
import type { Job } from '../job.js';
import type { Listeners } from '../listeners.js';
import type { RunLayer } from '../runs/layer.js';
import type { RunRecord } from '../runs/run.js';
import { dueRunTimes, type DueRuns } from '../runs/run-times.js';
import type { Cluster } from './cluster.js';
import type { Settings } from './settings.js';

/** How many due jobs one pass claims from a store at most; a full batch triggers another pass. */
const CLAIM_BATCH = 1000;

/** What the loop works with, given by its scheduler. */
export interface LoopParts {
  readonly settings: Settings;
  /** The started job stores, in the order they are processed. */
  readonly stores: ReadonlyMap<string, JobStore>;
  readonly runs: RunLayer;
  readonly cluster: Cluster;
  readonly listeners: Listeners;
  /** Whether the scheduler processes jobs now (running and not paused). */
  readonly active: () => boolean;
}

/** The loop of one scheduler: its passes, its timer and its wakeups. */
export class Loop {
  readonly #settings: Settings;
  readonly #stores: ReadonlyMap<string, JobStore>;
  readonly #runs: RunLayer;
  readonly #cluster: Cluster;
  readonly #listeners: Listeners;
  readonly #active: () => boolean;

  #timer: ClockTimer | null = null;
  /** When the armed timer fires (epoch ms), or null when none is armed. */
  #wakeAt: number | null = null;
  #processing = false;
  /** The passes in progress, until they end: what `settled()` waits for. */
  #passes: Promise<void> | null = null;
  #again = false;
  #processScheduled = false;
  /** The earliest run time of the jobs added or changed during the current pass. */
  #addedDuringPass: number | null = null;

  constructor(parts: LoopParts) {
    this.#settings = parts.settings;
    this.#stores = parts.stores;
    this.#runs = parts.runs;
    this.#cluster = parts.cluster;
    this.#listeners = parts.listeners;
    this.#active = parts.active;
  }

  /** Makes the loop look for due jobs now instead of at its next planned wakeup. */
  wakeup(): void {
    if (!this.#active()) return;
    if (this.#processing) {
      this.#again = true;
      return;
    }
    if (this.#processScheduled) return;
    this.#processScheduled = true;
    queueMicrotask(() => {
      this.#processScheduled = false;
      void this.#process();
    });
  }

  /**
   * Wakes the loop when a job's run time comes before the armed wakeup.
   * @param alias the job's store: its run times are on the store's clock
   */
  wakeFor(storeRunTimeMs: number | null, alias: string): void {
    if (!this.#active() || storeRunTimeMs === null) return;
    const nextRunTimeMs = this.#cluster.hostTime(alias, storeRunTimeMs);
    // During a pass, remember the earliest: the timer armed after it covers them all, instead of
    // a pass per job added meanwhile.
    if (this.#processing) this.#addedDuringPass = earliest(this.#addedDuringPass, nextRunTimeMs);
    else if (this.#wakeAt === null || nextRunTimeMs < this.#wakeAt) this.wakeup();
  }

  /** Cancels the armed timer (on pause and shutdown). */
  disarm(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#wakeAt = null;
  }

  /**
   * Resolves once the pass in progress, if any, has handed over the runs it claimed. Shutdown
   * waits for it before stopping the executors: a claim already sent to a store advances its
   * jobs (a date job is removed), so its runs must reach an executor, to run or be cancelled,
   * rather than be lost between the store and a detached executor.
   */
  async settled(): Promise<void> {
    await this.#passes?.catch(() => undefined);
  }

  /** Runs passes of the loop until no wakeup arrived meanwhile, then arms the timer. */
  #process(): Promise<void> {
    if (!this.#active() || this.#processing) return Promise.resolve();
    const passes = this.#runPasses().finally(() => {
      if (this.#passes === passes) this.#passes = null;
    });
    this.#passes = passes;
    return passes;
  }

  async #runPasses(): Promise<void> {
    this.#processing = true;
    this.disarm();
    let nextWake: number | null = null;
    try {
      do {
        this.#again = false;
        this.#addedDuringPass = null;
        nextWake = earliest(await this.#processJobs(), this.#addedDuringPass);
        // Another pass at once when asked to, or when a job added meanwhile is already due.
      } while (
        this.#active() &&
        (this.#again ||
          (this.#addedDuringPass !== null && this.#addedDuringPass <= this.#settings.clock.now()))
      );
    } finally {
      this.#processing = false;
    }
    if (this.#active()) this.#arm(nextWake);
  }

  /** One pass over every store: claim due jobs, submit them; the next wake time. */
  async #processJobs(): Promise<number | null> {
    const log = this.#settings.log;
    const now = this.#settings.clock.now();
    log.debug('Looking for jobs to run');
    let nextWake: number | null = null;
    const retryAt = now + this.#settings.jobstoreRetryInterval * 1000;
    const nowDate = new Date(now);
    for (const [alias, store] of this.#stores) {
      // The run times of each job the store asked about, in the order it asked, for submitting
      // the ones it won (arrays walked in step with the claimed runs: no lookup per job).
      const asked: Job[] = [];
      const plans: DueRuns[] = [];
      // With a run ledger: the store's clock, and the runs opened for each job it claims.
      const ledger = this.#cluster.sharedLedgerOf(alias) !== undefined;
      const recorded = store.ledger !== undefined;
      // The outcomes of runs that ended here go first: the claim counts what is in flight, as of
      // the store's time read after them.
      const written = ledger ? this.#cluster.outcomesWritten(alias) : undefined;
      if (written !== undefined) await written;
      const storeNow = ledger ? this.#cluster.now(alias) : now;
      const storeNowDate = ledger ? new Date(storeNow) : nowDate;
      const opened = ledger ? new Map<Job, RunRecord>() : null;
      let retry = false;
      let claimed: ClaimedRun[];
      try {
        claimed = await store.claimDueJobs({
          now: storeNow,
          limit: CLAIM_BATCH,
          advance: (job) => {
            const due = this.#dueRuns(alias, job, storeNow, storeNowDate);
            if (due === undefined) {
              retry = true;
              return undefined;
            }
            asked.push(job);
            plans.push(due);
            return due.next === null ? null : job.withNextRunTime(due.next);
          },
          runs: ledger
            ? this.#cluster.claimRuns(
                alias,
                storeNow,
                (job) => {
                  const due = plans[asked.lastIndexOf(job)];
                  return this.#runs.prepare(
                    job,
                    due?.runTimes ?? [],
                    due?.coalesced ?? [],
                    storeNow,
                  );
                },
                (first) => opened?.set(first.job, first),
              )
            : undefined,
        });
      } catch (error) {
        this.#storeFailed(alias, error, 'claiming due jobs');
        nextWake = earliest(nextWake, retryAt);
        continue;
      }
      let plan = 0;
      for (const { job, next, refused } of claimed) {
        // Stores claim in the order they asked, skipping the jobs they lost.
        while (plan < asked.length && asked[plan] !== job) plan++;
        const due =
          plan < asked.length ? plans[plan++] : this.#dueRuns(alias, job, storeNow, storeNowDate);
        const first = opened?.get(job);
        if (first !== undefined) {
          if (due !== undefined) this.#runs.warnOfSkipped(job, due);
          if (refused === true) {
            this.#runs.refuseOpened(first, storeNow);
          } else {
            this.#cluster.track(first);
            this.#runs.submitOpened(first, storeNow);
          }
        } else if (due !== undefined) {
          this.#runs.submitDue(job, due, now, recorded);
        }
        if (next === null) {
          if (log.infoOn) log.info(`Removed job ${job.id}`);
          // Checked here rather than through emit(): no closure per job when no one listens.
          if (this.#listeners.isListening(EVENT_JOB_REMOVED)) {
            this.#listeners.dispatch(new JobEvent(EVENT_JOB_REMOVED, job.id, alias));
          }
        }
      }
      if (!this.#active()) return null;
      // A full batch: more may be due; another pass follows at once.
      if (claimed.length >= CLAIM_BATCH) this.#again = true;
      if (retry) nextWake = earliest(nextWake, retryAt);
      try {
        const storeNext = await store.getNextRunTime();
        // A job this pass could not advance is still due: it waits for the retry rather than
        // waking the loop again at once, forever.
        // Next run times are on the store's clock; the timer runs on the scheduler's.
        const hostNext = storeNext === null ? null : storeNext - (storeNow - now);
        nextWake = earliest(
          nextWake,
          retry && hostNext !== null && hostNext <= now ? retryAt : hostNext,
        );
      } catch (error) {
        this.#storeFailed(alias, error, 'getting the next run time');
        nextWake = earliest(nextWake, retryAt);
      }
    }
    return nextWake;
  }

  /**
   * The run times a due job is due for and its next one, or undefined when its trigger throws
   * (reported; the job is left as it is and retried).
   */
  #dueRuns(alias: string, job: Job, now: number, nowDate: Date): DueRuns | undefined {
    try {
      return dueRunTimes(job, now, nowDate);
    } catch (error) {
      // A trigger that throws (an AND trigger past its iteration bound) must not stop the loop.
      this.#settings.log.error(
        `Error computing the run times of job "${job.toString()}"; retrying in ${this.#settings.jobstoreRetryInterval} s`,
        error,
      );
      this.#listeners.reportError(
        'trigger',
        alias,
        error,
        `computing the run times of job "${job.name}"`,
      );
      return undefined;
    }
  }

  /** Arms the loop timer: until `nextWake`, at most `maxSleepTime`, never above Node's limit. */
  #arm(nextWake: number | null): void {
    const { clock, log, timezone } = this.#settings;
    const now = clock.now();
    const maxSleepMs = Math.min(this.#settings.maxSleepTime * 1000, MAX_TIMER_MS);
    const waitMs =
      nextWake === null ? maxSleepMs : Math.min(Math.max(nextWake - now, 0), maxSleepMs);
    if (log.debugOn) {
      log.debug(
        nextWake === null
          ? 'No jobs; waiting until a job is added'
          : `Next wakeup is due at ${formatWallTime(nextWake, timezone, { milliseconds: true })} (in ${formatDuration(Math.max(nextWake - now, 0))})`,
      );
    }
    this.#wakeAt = now + waitMs;
    const timer = clock.setTimer(() => {
      this.#timer = null;
      this.#wakeAt = null;
      void this.#process();
    }, waitMs);
    timer.unref();
    this.#timer = timer;
  }

  #storeFailed(alias: string, error: unknown, action: string): void {
    this.#settings.log.warn(
      `Error ${action} from job store '${alias}'; retrying in ${this.#settings.jobstoreRetryInterval} s`,
      error,
    );
    this.#listeners.reportError('jobstore', alias, error, action);
  }
}

/** The earlier of two optional instants. */
export function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
