/**
 * The executor conformance suite: what every Kairos executor must do under the run layer. The
 * built-in executors run it; a third-party executor can too:
 *
 * ```ts
 * import { runExecutorConformance } from '@kairos/testkit';
 * runExecutorConformance({ name: 'MyExecutor', createExecutor: ({ maxWorkers }) => new MyExecutor({ maxWorkers }) });
 * ```
 *
 * It runs real schedulers on the system clock (executors run real code: threads, processes),
 * with short timeouts, and waits for outcomes with generous bounds for a loaded machine.
 */
import { fileURLToPath } from 'node:url';
import {
  BackgroundScheduler,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  JobExecutionEvent,
  JobSubmissionEvent,
  JobTimeoutError,
  MaxInstancesReachedError,
  RecordingLogger,
  RunCancelledError,
  type AnySchedulerEvent,
  type Executor,
  type Run,
} from '@kairos/core';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../wait-for.js';

/** How to run the executor conformance suite. */
export interface ExecutorConformanceOptions {
  /** Names the suite in the test report. */
  readonly name: string;
  /** A new executor, not started, that runs at most `maxWorkers` tasks at once. */
  createExecutor(options: { maxWorkers: number }): Executor | Promise<Executor>;
  /**
   * How long a cancelled run may take to end when its task ignores the abort signal (the
   * worker executor terminates the thread after its `abortGrace`). Default 5000 ms.
   */
  readonly cancelWithinMs?: number;
}

/** The module of the suite's tasks (compiled next to this file). */
const TASKS = fileURLToPath(new URL('./tasks.js', import.meta.url));

/** The module reference of one of the suite's tasks. */
function task(name: string): string {
  return `${TASKS}#${name}`;
}

/** Bound for an outcome to arrive on a loaded CI machine. */
const OUTCOME_MS = 15_000;

const OUTCOMES = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED;

interface Harness {
  readonly scheduler: BackgroundScheduler;
  readonly events: AnySchedulerEvent[];
  readonly outcome: (jobId: string) => Promise<JobExecutionEvent>;
  readonly outcomes: (jobId: string) => JobExecutionEvent[];
}

/** Registers the executor conformance suite of one executor with vitest. */
export function runExecutorConformance(options: ExecutorConformanceOptions): void {
  const cancelWithinMs = options.cancelWithinMs ?? 5000;

  describe(`${options.name} executor conformance`, () => {
    let open: BackgroundScheduler[] = [];

    afterEach(async () => {
      const schedulers = open;
      open = [];
      for (const scheduler of schedulers) {
        if (scheduler.running) await scheduler.shutdown({ wait: false });
      }
    });

    async function start(maxWorkers = 2): Promise<Harness> {
      const executor = await options.createExecutor({ maxWorkers });
      const scheduler = new BackgroundScheduler({
        timezone: 'UTC',
        logger: new RecordingLogger(),
        executors: { default: executor },
        jobDefaults: { misfireGraceTime: null },
      });
      const events: AnySchedulerEvent[] = [];
      scheduler.addListener((event) => {
        events.push(event);
      });
      open.push(scheduler);
      await scheduler.start();
      const outcomes = (jobId: string): JobExecutionEvent[] =>
        events.filter(
          (event): event is JobExecutionEvent =>
            event instanceof JobExecutionEvent &&
            (event.code & OUTCOMES) !== 0 &&
            event.jobId === jobId,
        );
      return {
        scheduler,
        events,
        outcomes,
        outcome: async (jobId) => {
          const arrived = await waitFor(() => outcomes(jobId).length > 0, OUTCOME_MS);
          expect(arrived, `an outcome of job ${jobId} within ${OUTCOME_MS} ms`).toBe(true);
          return outcomes(jobId)[0] as JobExecutionEvent;
        },
      };
    }

    /** The run record an outcome event carries, checked to be there. */
    function runOf(event: JobExecutionEvent): Run {
      expect(event.run).not.toBeNull();
      return event.run as Run;
    }

    it('runs a task and reports its return value, with a complete run record', async () => {
      const { scheduler, outcome } = await start();
      await scheduler.addJob(task('add'), null, { id: 'sum', args: [2, 3] });
      const event = await outcome('sum');
      expect(event.code).toBe(EVENT_JOB_EXECUTED);
      expect(event.retval).toBe(5);
      const run = runOf(event);
      expect(run.outcome).toBe('executed');
      expect(run.result).toBe(5);
      expect(run.jobId).toBe('sum');
      expect(run.schedulerId).toBe(scheduler.id);
      expect(run.startedAt).toBeInstanceOf(Date);
      expect(run.finishedAt?.getTime()).toBeGreaterThanOrEqual(run.startedAt?.getTime() ?? 0);
      expect(run.durationMs).toBeGreaterThanOrEqual(0);
      expect(run.toJSON()).toMatchObject({ jobId: 'sum', outcome: 'executed', result: 5 });
    });

    it('runs async tasks and reports their resolved value', async () => {
      const { scheduler, outcome } = await start();
      await scheduler.addJob(task('later'), null, { id: 'later', args: ['done', 20] });
      expect((await outcome('later')).retval).toBe('done');
    });

    it('reports a task that throws, sync or async, as an error with its class and message', async () => {
      const { scheduler, outcome } = await start();
      await scheduler.addJob(task('fail'), null, { id: 'sync', args: ['bad input'] });
      await scheduler.addJob(task('failLater'), null, { id: 'async', args: ['out of range'] });
      for (const [id, name, message] of [
        ['sync', 'TypeError', 'bad input'],
        ['async', 'RangeError', 'out of range'],
      ] as const) {
        const event = await outcome(id);
        expect(event.code).toBe(EVENT_JOB_ERROR);
        expect(event.exception).toBeInstanceOf(Error);
        expect((event.exception as Error).name).toBe(name);
        expect((event.exception as Error).message).toBe(message);
        expect(event.traceback).toContain(message);
        const run = runOf(event);
        expect(run.outcome).toBe('error');
        expect(run.error).toMatchObject({ name, message });
      }
    });

    it('gives the task its job context through currentJob()', async () => {
      const { scheduler, outcome } = await start();
      const runDate = new Date(Date.now() + 50);
      await scheduler.addJob(task('whoAmI'), { type: 'date', runDate }, { id: 'me', name: 'Me' });
      const event = await outcome('me');
      expect(event.retval).toEqual({
        jobId: 'me',
        jobName: 'Me',
        scheduledRunTime: runDate.toISOString(),
        runId: runOf(event).id,
        attempt: 0,
      });
    });

    it('aborts a run past its timeout: the task hears the signal, the run ends as a timeout', async () => {
      const { scheduler, outcome } = await start();
      const seen = new Int32Array(new SharedArrayBuffer(4));
      await scheduler.addJob(task('untilAborted'), null, {
        id: 'slow',
        args: [seen, 30_000],
        timeout: 0.2,
      });
      const event = await outcome('slow');
      expect(event.code).toBe(EVENT_JOB_ERROR);
      expect(event.exception).toBeInstanceOf(JobTimeoutError);
      expect(runOf(event).outcome).toBe('timeout');
      expect(await waitFor(() => Atomics.load(seen, 0) === 1, OUTCOME_MS)).toBe(true);
    });

    it('ends a timed-out run whose task ignores the signal', async () => {
      const { scheduler, outcome } = await start();
      await scheduler.addJob(task('later'), null, {
        id: 'stubborn',
        args: ['too late', 30_000],
        timeout: 0.2,
      });
      const began = Date.now();
      const event = await outcome('stubborn');
      expect(runOf(event).outcome).toBe('timeout');
      expect(Date.now() - began).toBeLessThan(200 + cancelWithinMs);
    });

    it('shutdown({wait: true}) lets running and queued runs finish', async () => {
      const { scheduler, outcomes } = await start(1);
      await scheduler.addJob(task('later'), null, { id: 'first', args: ['one', 100] });
      await scheduler.addJob(task('later'), null, { id: 'second', args: ['two', 10] });
      await waitFor(() => scheduler.running && outcomes('first').length === 0, 50);
      await scheduler.shutdown({ wait: true });
      expect(outcomes('first').map((event) => event.retval)).toEqual(['one']);
      expect(outcomes('second').map((event) => event.retval)).toEqual(['two']);
    });

    it('shutdown({wait: false}) cancels the running run and drops the queued ones, promptly', async () => {
      const { scheduler, events, outcomes } = await start(1);
      const seen = new Int32Array(new SharedArrayBuffer(4));
      const running = await scheduler.addJob(task('untilAborted'), null, {
        id: 'running',
        args: [seen, 30_000],
      });
      const queued = await scheduler.addJob(task('add'), null, { id: 'queued', args: [1, 1] });
      // Both are submitted; one slot, so `queued` waits.
      await waitFor(
        () => events.filter((event) => event.name === 'job_submitted').length === 2,
        OUTCOME_MS,
      );
      const began = Date.now();
      await scheduler.shutdown({ wait: false });
      expect(Date.now() - began).toBeLessThan(cancelWithinMs);
      const [cancelled, ...more] = outcomes(running.id);
      expect(more).toEqual([]);
      expect(cancelled?.exception).toBeInstanceOf(RunCancelledError);
      expect(cancelled?.run?.outcome).toBe('cancelled');
      expect(outcomes(queued.id)).toEqual([]);
      const submitted = events.find(
        (event): event is JobSubmissionEvent =>
          event instanceof JobSubmissionEvent &&
          event.name === 'job_submitted' &&
          event.jobId === queued.id,
      );
      const queuedRun = submitted?.runs[0];
      expect(queuedRun?.outcome).toBe('cancelled');
      expect(queuedRun?.startedAt).toBeNull();
    });

    it('never runs more than maxWorkers tasks at once, and the rest in order', async () => {
      const { scheduler, outcome } = await start(2);
      const counters = new Int32Array(new SharedArrayBuffer(8));
      for (const id of ['a', 'b', 'c', 'd', 'e']) {
        await scheduler.addJob(task('overlap'), null, { id, args: [counters, 60] });
      }
      for (const id of ['a', 'b', 'c', 'd', 'e']) {
        expect((await outcome(id)).code).toBe(EVENT_JOB_EXECUTED);
      }
      expect(Atomics.load(counters, 1)).toBe(2);
    });

    it('honours maxInstances through the run layer: a second run is refused while one runs', async () => {
      const { scheduler, events, outcome } = await start(4);
      await scheduler.addJob(task('later'), null, {
        id: 'single',
        args: ['ran', 200],
        nextRunTime: null,
      });
      await scheduler.runJob('single');
      await expect(scheduler.runJob('single')).rejects.toBeInstanceOf(MaxInstancesReachedError);
      const refused = events.filter(
        (event) =>
          event instanceof JobSubmissionEvent &&
          event.code === EVENT_JOB_MAX_INSTANCES &&
          event.jobId === 'single',
      );
      expect(refused).toHaveLength(1);
      expect((await outcome('single')).retval).toBe('ran');
      // Once it is done, the job may run again.
      await scheduler.runJob('single');
    });
  });
}
