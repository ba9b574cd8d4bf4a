/**
 * A job store context for tests: the part of a scheduler a job store talks to, on a fake clock,
 * recording what the store reports back.
 */
import {
  FakeClock,
  isModuleReference,
  Job,
  restoreJobFields,
  serializeJob,
  silentLogger,
  TaskLookupError,
  type JobFields,
  type JobHost,
  type JobState,
  type JobStoreContext,
  type Logger,
} from '@kairos/core';
import { triggerFromSpec } from '@kairos/triggers';
import { TestkitUsageError } from './errors.js';

/** What a job built by the testkit calls when its handle methods are used: nothing is there. */
const detached: JobHost = {
  modifyJob: notAttached,
  rescheduleJob: notAttached,
  pauseJob: notAttached,
  resumeJob: notAttached,
  removeJob: notAttached,
  runJob: notAttached,
};

function notAttached(): never {
  throw new TestkitUsageError('this job was built by @kairos/testkit and belongs to no scheduler');
}

/** A job store's report that a stored job cannot be restored. */
export interface UnrestorableReport {
  /** The id of the job that cannot be restored. */
  readonly id: string;
  /** Why it cannot be restored. */
  readonly error: unknown;
}

/**
 * A {@link JobStoreContext} for job store tests. Task names in {@link tasks} count as
 * registered; module references are always accepted. Triggers are rebuilt from their specs in
 * UTC (or their own zone).
 */
export class TestStoreContext implements JobStoreContext {
  readonly clock: FakeClock;
  readonly logger: Logger;
  /** The task names that restore; delete one to make its stored jobs unrestorable. */
  readonly tasks: Set<string>;
  /** Every `reportUnrestorable` call, in order. */
  readonly reported: UnrestorableReport[] = [];
  /** Every `wakeup` call's argument, in order (undefined when the store gave no time). */
  readonly wakeups: (number | undefined)[] = [];
  /** The store alias jobs built by {@link job} name. */
  readonly alias: string;

  constructor(
    options: { now?: number; tasks?: Iterable<string>; logger?: Logger; alias?: string } = {},
  ) {
    this.clock = new FakeClock(options.now ?? Date.UTC(2030, 0, 1));
    this.logger = options.logger ?? silentLogger;
    this.tasks = new Set(options.tasks ?? ['tick', 'report']);
    this.alias = options.alias ?? 'default';
  }

  /** {@inheritDoc JobStoreContext.serializeJob} */
  serializeJob(job: Job): JobState {
    return serializeJob(job, (task) => (typeof task === 'string' ? task : undefined));
  }

  /** {@inheritDoc JobStoreContext.restoreJob} */
  restoreJob(state: JobState, alias: string): Job {
    const fields = restoreJobFields(state, alias, (spec) =>
      triggerFromSpec(spec, { timezone: 'UTC' }),
    );
    if (typeof fields.task === 'string') {
      if (!isModuleReference(fields.task) && !this.tasks.has(fields.task)) {
        throw new TaskLookupError(fields.task, 'is not a registered task name');
      }
    }
    return new Job(fields, detached);
  }

  /** {@inheritDoc JobStoreContext.reportUnrestorable} */
  reportUnrestorable(id: string, error: unknown): void {
    this.reported.push({ id, error });
  }

  /** {@inheritDoc JobStoreContext.wakeup} */
  wakeup(nextRunTime?: number): void {
    this.wakeups.push(nextRunTime);
  }

  /** A copy of a job with some fields replaced, including ones a store must refuse. */
  withFields(job: Job, changes: Partial<JobFields>): Job {
    // The run policies are getters on the prototype, which a spread leaves out.
    const policies = {
      timeout: job.timeout,
      onAbandoned: job.onAbandoned,
      maxRetries: job.maxRetries,
    };
    return new Job({ ...job, ...policies, ...changes }, detached);
  }

  /**
   * A job from a partial stored form: an interval job running task `tick` every minute,
   * due at the clock's time, unless `fields` says otherwise.
   */
  job(fields: Partial<JobState> & { id: string }): Job {
    return this.restoreJob(
      {
        version: 1,
        name: fields.id,
        task: 'tick',
        args: [],
        trigger: { type: 'interval', minutes: 1, timezone: 'UTC' },
        executor: 'default',
        misfireGraceTime: 1,
        coalesce: true,
        maxInstances: 1,
        timeout: null,
        nextRunTime: this.clock.now(),
        ...fields,
      },
      this.alias,
    );
  }
}
