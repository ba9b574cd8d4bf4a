/**
 * The Job: an immutable snapshot of a scheduled task (what, when, under which policies) that is
 * also a handle to act on it through its scheduler. Changing a job makes a new snapshot; the
 * job store keeps the current one.
 */
import { formatWallTime, type Trigger } from '@kairos/triggers';
import type { JobChanges, JobState, Task, TriggerInput } from './job-data.js';
import type { AbandonedPolicy } from './ledger.js';
import type { Run } from './runs/run.js';

/**
 * The last runs of listed jobs: kept beside the jobs rather than in them, so that a job costs
 * no slot for it.
 */
const lastRuns = new WeakMap<Job, Run | null>();

/** @internal Sets what {@link Job.lastRun} of a listed job answers. */
export function setLastRun(job: Job, run: Run | null): void {
  lastRuns.set(job, run);
}

/** What a {@link Job} handle calls back into: its scheduler. */
export interface JobHost {
  /** Changes a job's options; resolves to the new snapshot. */
  modifyJob(id: string, changes: JobChanges, jobstore?: string): Promise<Job>;
  /** Gives a job a new trigger and recomputes its next run time. */
  rescheduleJob(id: string, trigger: TriggerInput, jobstore?: string): Promise<Job>;
  /** Pauses a job (clears its next run time). */
  pauseJob(id: string, jobstore?: string): Promise<Job>;
  /** Resumes a paused job; resolves to null when its trigger has no fire time left. */
  resumeJob(id: string, jobstore?: string): Promise<Job | null>;
  /** Removes a job from its job store. */
  removeJob(id: string, jobstore?: string): Promise<void>;
  /** Runs a job once now, leaving its schedule as it is. */
  runJob(id: string, jobstore?: string): Promise<void>;
}

/** The fields of a job snapshot. */
export interface JobFields {
  /** The job's id (unique within the scheduler). */
  readonly id: string;
  /** A readable name, used in log lines. */
  readonly name: string;
  /** What runs: a function, a registered task name, a module reference or a command. */
  readonly task: Task;
  /** Arguments passed to the task. */
  readonly args: readonly unknown[];
  /** When it runs. */
  readonly trigger: Trigger;
  /** Alias of the executor that runs it. */
  readonly executor: string;
  /** Alias of the job store that keeps it. */
  readonly jobstore: string;
  /** Seconds a run may start late and still run; null = always run. */
  readonly misfireGraceTime: number | null;
  /** Whether several due run times collapse into one run. */
  readonly coalesce: boolean;
  /** How many runs may be in progress at once. */
  readonly maxInstances: number;
  /** Seconds a run may take before it is aborted; null = no limit. */
  readonly timeout: number | null;
  /** Default `'fail'`. */
  readonly onAbandoned?: AbandonedPolicy;
  /** Default 1. */
  readonly maxRetries?: number;
  /** The next run time in epoch ms; null when the job is paused. */
  readonly nextRunTimeMs: number | null;
}

/**
 * The policies of a job's runs that are rarely set: one shared object per combination, so a job
 * holds one reference for three fields (a million jobs are 16 MB lighter).
 */
interface RunPolicy {
  readonly timeout: number | null;
  readonly onAbandoned: AbandonedPolicy;
  readonly maxRetries: number;
}

const DEFAULT_RUN_POLICY: RunPolicy = Object.freeze({
  timeout: null,
  onAbandoned: 'fail',
  maxRetries: 1,
});
const runPolicies = new Map<string, RunPolicy>();

/** The shared policy object of these values. */
function runPolicy(fields: JobFields): RunPolicy {
  const { timeout, onAbandoned = 'fail', maxRetries = 1 } = fields;
  if (timeout === null && onAbandoned === 'fail' && maxRetries === 1) return DEFAULT_RUN_POLICY;
  const key = `${timeout}|${onAbandoned}|${maxRetries}`;
  let policy = runPolicies.get(key);
  if (policy === undefined) {
    policy = Object.freeze({ timeout, onAbandoned, maxRetries });
    // Bounded: beyond a thousand combinations, jobs get policies of their own.
    if (runPolicies.size < 1000) runPolicies.set(key, policy);
  }
  return policy;
}

/** A scheduled job. Read its fields; change it through its methods (or the scheduler's). */
export class Job implements JobFields {
  /** The job's id (unique within the scheduler). */
  readonly id: string;
  /** A readable name, used in log lines. */
  readonly name: string;
  /** What runs: a function, a registered task name or a module reference. */
  readonly task: Task;
  /** Arguments passed to the task. */
  readonly args: readonly unknown[];
  /** When it runs. */
  readonly trigger: Trigger;
  /** Alias of the executor that runs it. */
  readonly executor: string;
  /** Alias of the job store that keeps it. */
  readonly jobstore: string;
  /** Seconds a run may start late and still run; null = always run. */
  readonly misfireGraceTime: number | null;
  /** Whether several due run times collapse into one run. */
  readonly coalesce: boolean;
  /** How many runs may be in progress at once. */
  readonly maxInstances: number;
  /** The next run time in epoch ms; null when the job is paused. */
  readonly nextRunTimeMs: number | null;
  /** @internal `timeout`, `onAbandoned` and `maxRetries`, shared between jobs. */
  readonly runPolicy: RunPolicy;
  readonly #host: JobHost;

  /**
   * Jobs are made by the scheduler (`addJob`) and restored by job stores through their
   * context's `restoreJob`; build one directly only in tools and tests.
   * @param host what the job's methods (`pause()`, `modify()`, …) call: its scheduler
   */
  constructor(fields: JobFields, host: JobHost) {
    this.id = fields.id;
    this.name = fields.name;
    this.task = fields.task;
    this.args = fields.args;
    this.trigger = fields.trigger;
    this.executor = fields.executor;
    this.jobstore = fields.jobstore;
    this.misfireGraceTime = fields.misfireGraceTime;
    this.coalesce = fields.coalesce;
    this.maxInstances = fields.maxInstances;
    this.nextRunTimeMs = fields.nextRunTimeMs;
    this.runPolicy = fields instanceof Job ? fields.runPolicy : runPolicy(fields);
    this.#host = host;
  }

  /** Seconds a run may take before it is aborted; null = no limit. */
  get timeout(): number | null {
    return this.runPolicy.timeout;
  }

  /**
   * What happens when a run of the job is found abandoned (its scheduler died during it, in a
   * store with a run ledger): `'fail'` records it and runs nothing again (at most once);
   * `'retry'` runs it again, up to `maxRetries` times (at least once, for idempotent tasks).
   */
  get onAbandoned(): AbandonedPolicy {
    return this.runPolicy.onAbandoned;
  }

  /** How many times an abandoned run is retried under `onAbandoned: 'retry'`. */
  get maxRetries(): number {
    return this.runPolicy.maxRetries;
  }

  /**
   * The job's newest run in its store's run history (by scheduled time), as of the
   * `getJob()`/`getJobs()` call that returned this snapshot; null when it has none, or when its
   * store keeps no history (or the snapshot did not come from those calls).
   */
  get lastRun(): Run | null {
    return lastRuns.get(this) ?? null;
  }

  /**
   * Where the job stands: `'pending'` when it was added before `start()` and waits to enter its
   * store (its first run time is computed then), `'paused'` when it has no next run time,
   * `'scheduled'` otherwise. A listed job that cannot be restored is an {@link UnrestorableJob},
   * whose state is `'unrestorable'`: check `state` before touching `trigger` or `task`.
   */
  get state(): 'pending' | 'scheduled' | 'paused' {
    return this.nextRunTimeMs === null ? 'paused' : 'scheduled';
  }

  /** The next run time; null when the job is paused. */
  get nextRunTime(): Date | null {
    return this.nextRunTimeMs === null ? null : new Date(this.nextRunTimeMs);
  }

  /** Whether the job is paused (it has no next run time). */
  get paused(): boolean {
    return this.nextRunTimeMs === null;
  }

  /** @internal A copy with some fields replaced (not pending: the copy is what gets stored). */
  with(changes: Partial<JobFields>): Job {
    return new Job({ ...fieldsOf(this), ...changes }, this.#host);
  }

  /**
   * @internal A copy with another next run time, as a job store receives it: no spread of the
   * fields (a job is added at the cost of one copy).
   */
  withNextRunTime(nextRunTimeMs: number | null): Job {
    const copy = new Job(this, this.#host);
    (copy as { nextRunTimeMs: number | null }).nextRunTimeMs = nextRunTimeMs;
    return copy;
  }

  /** @internal This snapshot marked as pending, as the scheduler lists jobs before `start()`. */
  asPending(): Job {
    return this instanceof PendingJob ? this : new PendingJob(this, this.#host);
  }

  /** Changes the job's options; resolves to the new snapshot. */
  modify(changes: JobChanges): Promise<Job> {
    return this.#host.modifyJob(this.id, changes, this.jobstore);
  }

  /** Gives the job a new trigger and recomputes its next run time. */
  reschedule(trigger: TriggerInput): Promise<Job> {
    return this.#host.rescheduleJob(this.id, trigger, this.jobstore);
  }

  /** Pauses the job (clears its next run time). */
  pause(): Promise<Job> {
    return this.#host.pauseJob(this.id, this.jobstore);
  }

  /** Resumes a paused job; resolves to null when its trigger has no fire time left (it is removed). */
  resume(): Promise<Job | null> {
    return this.#host.resumeJob(this.id, this.jobstore);
  }

  /** Removes the job from its job store. */
  remove(): Promise<void> {
    return this.#host.removeJob(this.id, this.jobstore);
  }

  /** Runs the job once now, under its `maxInstances`, leaving its schedule as it is. */
  runNow(): Promise<void> {
    return this.#host.runJob(this.id, this.jobstore);
  }

  /** APScheduler's form: `name (trigger: cron[hour='3'], next run at: 2030-01-01 03:00:00 UTC)`. */
  toString(): string {
    const when =
      this.nextRunTimeMs === null
        ? 'paused'
        : `next run at: ${formatWallTime(this.nextRunTimeMs, zoneOf(this.trigger), { milliseconds: true })}`;
    return `${this.name} (trigger: ${this.trigger.toString()}, ${when})`;
  }
}

/**
 * The fields of a job snapshot as a plain object. A function, not a private method: a class with
 * private methods gives every instance one more slot (8 bytes a job).
 */
function fieldsOf(job: Job): JobFields {
  return {
    id: job.id,
    name: job.name,
    task: job.task,
    args: job.args,
    trigger: job.trigger,
    executor: job.executor,
    jobstore: job.jobstore,
    misfireGraceTime: job.misfireGraceTime,
    coalesce: job.coalesce,
    maxInstances: job.maxInstances,
    timeout: job.timeout,
    onAbandoned: job.onAbandoned,
    maxRetries: job.maxRetries,
    nextRunTimeMs: job.nextRunTimeMs,
  };
}

/**
 * A job added before `start()` and not yet in its store, as the scheduler lists it: a class of
 * its own rather than a flag, so that every stored job is 8 bytes smaller.
 */
class PendingJob extends Job {
  override get state(): 'pending' {
    return 'pending';
  }
}

/**
 * A stored job its job store cannot restore: its task is not registered or not an allowed
 * module reference, its trigger cannot be rebuilt, or its document is corrupt. The store keeps
 * it and skips it; `getJobs()`, `getJob()` and `printJobs()` list it with its cause so it can be
 * fixed (register the task, replace the job with `replaceExisting`) or removed (`removeJob`).
 */
export class UnrestorableJob {
  /** Tells it apart from a {@link Job} in a {@link ListedJob}. */
  readonly state = 'unrestorable' as const;
  /** The id the store keeps it under. */
  readonly id: string;
  /** The name in its stored document, or its id when the document holds none. */
  readonly name: string;
  /** Alias of the job store that keeps it. */
  readonly jobstore: string;
  /** The next run time in epoch ms from the store's index; null when it is paused. */
  readonly nextRunTimeMs: number | null;
  /** Why it cannot be restored (a `TaskLookupError`, a `SerializationError`, …). */
  readonly cause: unknown;
  /** What the store holds, as it holds it: the JSON text, or the parsed state. */
  readonly document: string | JobState;

  /** Made by job stores (through {@link UnrestorableJobs}); build one directly only in tests. */
  constructor(fields: {
    id: string;
    jobstore: string;
    nextRunTimeMs: number | null;
    cause: unknown;
    document: string | JobState;
  }) {
    this.id = fields.id;
    this.jobstore = fields.jobstore;
    this.nextRunTimeMs = fields.nextRunTimeMs;
    this.cause = fields.cause;
    this.document = fields.document;
    this.name = storedName(fields.document) ?? fields.id;
  }

  /** The next run time the store has for it; null when it is paused. */
  get nextRunTime(): Date | null {
    return this.nextRunTimeMs === null ? null : new Date(this.nextRunTimeMs);
  }

  /** `name (id: …, unrestorable: TaskLookupError: …)`, as `printJobs` shows it. */
  toString(): string {
    const id = this.name === this.id ? '' : `id: ${this.id}, `;
    return `${this.name} (${id}unrestorable: ${describeCause(this.cause)})`;
  }
}

/**
 * A job as the scheduler lists it (`getJobs()`, `getJob()`): a {@link Job}, or an
 * {@link UnrestorableJob} its store keeps but cannot load. Narrow on `state` first:
 * `if (job.state !== 'unrestorable') job.trigger`.
 */
export type ListedJob = Job | UnrestorableJob;

/** The `name` of a stored document, when it parses and has one. */
function storedName(document: string | JobState): string | undefined {
  let state: unknown = document;
  if (typeof document === 'string') {
    try {
      state = JSON.parse(document);
    } catch {
      return undefined;
    }
  }
  const name =
    typeof state === 'object' && state !== null ? (state as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/** The time zone a trigger carries, if it has one (for showing run times). */
export function zoneOf(trigger: Trigger): string {
  const zone = (trigger as { timezone?: unknown }).timezone;
  return typeof zone === 'string' ? zone : 'UTC';
}
