/**
 * An executor with the line of submissions in front of it, as the run layer keeps one per
 * attached executor.
 */
import type { Executor } from '../interfaces.js';
import type { RunLayer } from './layer.js';
import type { StartRun } from './observers.js';
import { SubmissionQueue } from './queue.js';
import type { RunRecord } from './run.js';

/**
 * One submission: the runs of one job handed over together, run in order in one slot. It is its
 * first run, whose `nextInSubmission` links the others (one object per submission, not three).
 */
export type Submission = RunRecord;

/** An executor with the line of submissions in front of it. */
export class Line {
  readonly alias: string;
  readonly executor: Executor;
  readonly queue: SubmissionQueue<Submission>;
  /** Runs whose task is in progress and may be cancelled. */
  readonly running = new Set<RunRecord>();
  /** Set by a shutdown without waiting: runs not yet started are cancelled. */
  cancelling = false;
  /** Starts a run's task through the executor: what run observers are given (one per line). */
  readonly startRun: StartRun;

  constructor(alias: string, executor: Executor, layer: RunLayer) {
    this.alias = alias;
    this.executor = executor;
    this.startRun = (run) => {
      const record = run as RunRecord;
      return executor.run(record.job, record.runTimeMs, record);
    };
    this.queue = new SubmissionQueue<Submission>(
      executor.maxWorkers,
      (submission) => layer.startSubmission(this, submission),
      (submission) => layer.release(submission),
      () => layer.forgetFinishTime(),
    );
  }

  /** Whether one more submission would wait beyond the executor's `maxQueue`. */
  get full(): boolean {
    const maxQueue = this.executor.maxQueue ?? Infinity;
    if (maxQueue === Infinity) return false;
    // Submissions made in one tick (a loop pass) are all queued before the queue starts any:
    // those the free slots will take do not count as waiting.
    const free = Math.max(0, this.executor.maxWorkers - this.queue.active);
    return this.queue.waiting - free >= maxQueue;
  }
}
