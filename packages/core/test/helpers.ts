/**
 * Shared helpers of the scheduler tests: a scheduler on a fake clock, an event recorder that
 * turns events into short comparable lines, and a job store that fails on demand.
 */
import { readFileSync } from 'node:fs';
import {
  BackgroundScheduler,
  EVENT_ALL,
  FakeClock,
  JobExecutionEvent,
  JobEvent,
  JobSubmissionEvent,
  MemoryJobStore,
  RecordingLogger,
  type AnySchedulerEvent,
  type Job,
  type JobStore,
  type JobState,
  type JobStoreContext,
  type ClaimedRun,
  type DueJobsClaim,
  type SchedulerErrorEvent,
  type SchedulerOptions,
} from '../src/index.js';

/** The instant every fake clock starts at. */
export const T0 = Date.parse('2030-01-01T00:00:00Z');

/** Seconds since {@link T0} as a short label: `5s`, `1.5s`, `-2s`. */
export function sec(instant: number | Date): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return `${(ms - T0) / 1000}s`;
}

/** The instant `seconds` after {@link T0}. */
export function at(seconds: number): number {
  return T0 + seconds * 1000;
}

/**
 * One event as a line: the clock time it was seen at, its name, and the job and run times it
 * concerns, e.g. `@5s job_executed tick 5s` or `@2s job_max_instances tick [2s]`.
 */
export function describeEvent(event: AnySchedulerEvent, now: number): string {
  const parts = [`@${sec(now)}`, event.name];
  if (event instanceof JobEvent) parts.push(event.jobId);
  else if (event.alias !== null) parts.push(event.alias);
  if (event instanceof JobSubmissionEvent) {
    parts.push(`[${event.scheduledRunTimes.map((time) => sec(time)).join(',')}]`);
  }
  if (event instanceof JobExecutionEvent) parts.push(sec(event.scheduledRunTime));
  return parts.join(' ');
}

/** Records every event a scheduler emits (or those of a mask), with the clock time. */
export class EventRecorder {
  readonly events: AnySchedulerEvent[] = [];
  readonly lines: string[] = [];
  readonly #clock: FakeClock;

  constructor(scheduler: BackgroundScheduler, clock: FakeClock, mask: number = EVENT_ALL) {
    this.#clock = clock;
    scheduler.addListener((event) => {
      this.events.push(event);
      this.lines.push(describeEvent(event, clock.now()));
    }, mask);
  }

  /** The lines of events with one of these names. */
  only(...names: string[]): string[] {
    return this.lines.filter((line) => names.includes(line.split(' ')[1] ?? ''));
  }

  /** The recorded events with this name. */
  named<T extends AnySchedulerEvent = AnySchedulerEvent>(name: string): T[] {
    return this.events.filter((event) => event.name === name) as T[];
  }

  /** Forgets what was recorded so far. */
  clear(): void {
    this.events.length = 0;
    this.lines.length = 0;
  }

  /** The clock the recorder reads. */
  get clock(): FakeClock {
    return this.#clock;
  }
}

/** A scheduler on a fake clock with its recorders. */
export interface TestScheduler {
  clock: FakeClock;
  scheduler: BackgroundScheduler;
  events: EventRecorder;
  logger: RecordingLogger;
  /** What `scheduler.on('error')` received. */
  errors: SchedulerErrorEvent[];
}

/**
 * A BackgroundScheduler in UTC on a fake clock starting at {@link T0}, with an event recorder,
 * a recording logger and an error recorder. Extra options are merged in.
 */
export function makeScheduler(options: SchedulerOptions = {}): TestScheduler {
  const clock = options.clock instanceof FakeClock ? options.clock : new FakeClock(T0);
  const logger = new RecordingLogger();
  const scheduler = new BackgroundScheduler({ timezone: 'UTC', logger, ...options, clock });
  const events = new EventRecorder(scheduler, clock);
  const errors: SchedulerErrorEvent[] = [];
  scheduler.on('error', (event) => {
    errors.push(event);
  });
  return { clock, scheduler, events, logger, errors };
}

/** Whether a process is still running (a zombie waiting to be reaped is not). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether a process has ended within `timeoutMs` (real time: a signalled process takes a moment
 * to die, longer on a loaded machine).
 */
export async function endsWithin(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** A promise resolved after `ms` of fake time: what a long-running task awaits. */
export function fakeSleep(clock: FakeClock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(resolve, ms);
  });
}

/**
 * A memory store that throws on every call while `failing()` says so, counting the calls it
 * refused; otherwise it passes each call to the memory store it wraps.
 */
export class FlakyJobStore implements JobStore {
  readonly inner = new MemoryJobStore();
  /** The calls refused so far, by method name. */
  readonly refused: string[] = [];
  failing: () => boolean;

  constructor(failing: () => boolean = () => false) {
    this.failing = failing;
  }

  start(context: JobStoreContext, alias: string): Promise<void> {
    return this.inner.start(context, alias);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  lookupJob(id: string): Promise<Job | null> {
    return this.#guard('lookupJob', () => this.inner.lookupJob(id));
  }

  getNextRunTime(): Promise<number | null> {
    return this.#guard('getNextRunTime', () => this.inner.getNextRunTime());
  }

  getAllJobs(): Promise<Job[]> {
    return this.#guard('getAllJobs', () => this.inner.getAllJobs());
  }

  addJob(job: Job): Promise<void> {
    return this.#guard('addJob', () => this.inner.addJob(job));
  }

  updateJob(job: Job): Promise<void> {
    return this.#guard('updateJob', () => this.inner.updateJob(job));
  }

  removeJob(id: string): Promise<void> {
    return this.#guard('removeJob', () => this.inner.removeJob(id));
  }

  claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    return this.#guard('claimDueJobs', () => this.inner.claimDueJobs(claim));
  }

  removeAllJobs(): Promise<void> {
    return this.#guard('removeAllJobs', () => this.inner.removeAllJobs());
  }

  async #guard<T>(method: string, call: () => Promise<T>): Promise<T> {
    // A real store fails asynchronously, after some I/O.
    await Promise.resolve();
    if (this.failing()) {
      this.refused.push(method);
      throw new Error(`store unavailable (${method})`);
    }
    return call();
  }
}

/** A memory store that keeps the context it was started with, to call it back. */
export class ContextKeepingStore extends MemoryJobStore {
  context: JobStoreContext | undefined;
  override start(context: JobStoreContext, alias: string): Promise<void> {
    this.context = context;
    return super.start(context, alias);
  }
}

/**
 * A stored job as a persistent store keeps it: a one-off date trigger at `time` (UTC), running
 * `task` (default: the registered name 'noop') with `args`.
 */
export function storedJobState(
  id: string,
  time: number,
  task = 'noop',
  args: unknown[] = [],
): JobState {
  return {
    version: 1,
    id,
    name: id,
    task,
    args,
    trigger: { type: 'date', runDate: new Date(time).toISOString(), timezone: 'UTC' },
    executor: 'default',
    misfireGraceTime: null,
    coalesce: true,
    maxInstances: 1,
    timeout: null,
    nextRunTime: time,
  };
}
