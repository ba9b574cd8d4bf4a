/**
 * The worker thread's side: runs one job run per call, as piscina hands them over. The
 * executor's setup module and a task's module are imported once per thread and kept; the run
 * sees its job through `currentJob()`, and runs in its caller's context through the setup
 * module's `runInContext` when a carrier came with it.
 */
import { serialize } from 'node:v8';
import { BroadcastChannel } from 'node:worker_threads';
import { TaskLookupError } from '@kairos/core/errors';
import { runInJobContext, type JobContext } from '@kairos/core/job-context';
import { show } from '@kairos/triggers';
import { runInCarriedContext } from './context-propagation.js';
import { messageOf, RunCancelledBeforeStartError, WorkerSetupError } from './errors.js';
import type { RunInContext } from './interfaces.js';
import {
  describeError,
  reviveError,
  type AbortMessage,
  type ErrorState,
  type RunOutcome,
  type RunRequest,
} from './protocol.js';

type Namespace = Record<string, unknown>;
type Task = (...args: unknown[]) => unknown;

/** Imported modules (setup and tasks) of this thread, by module. */
const modules = new Map<string, Promise<Namespace>>();
/** Setup modules without a `runInContext` function, already reported by this thread. */
const reportedSetups = new Set<string>();
/** The abort controllers of the runs in progress in this thread, by run id. */
const running = new Map<number, AbortController>();
/** The abort channels this thread listens to (one per executor). */
const channels = new Set<string>();

/** Runs one job run and reports how it ended; it never throws. */
export default async function runJob(request: RunRequest): Promise<RunOutcome> {
  listenForAborts(request.abortChannel);
  const controller = new AbortController();
  running.set(request.runId, controller);
  const { cancelled, runId } = request;
  if (Atomics.load(cancelled, runId % cancelled.length) === runId) {
    controller.abort(new RunCancelledBeforeStartError(request.jobName, request.jobId));
  }
  const reported: { contextProblem?: ErrorState } = {};
  const onContextProblem = (problem: Error): void => {
    reported.contextProblem = describeError(problem);
  };
  let outcome: RunOutcome;
  try {
    const setup = request.setup === null ? null : await loadSetup(request, request.setup);
    const task = await loadTask(request);
    // Cancelled while the thread started or imported the modules: the task never starts.
    if (controller.signal.aborted) throw controller.signal.reason;
    const context: JobContext = {
      jobId: request.jobId,
      jobName: request.jobName,
      jobstore: request.jobstore,
      scheduledRunTime: new Date(request.runTime),
      runId: request.recordId,
      attempt: request.attempt,
      signal: controller.signal,
    };
    const value: unknown = await runInJobContext(context, () =>
      callTask(task, request, setup, onContextProblem),
    );
    outcome = returned(value, request);
  } catch (error) {
    outcome = { ok: false, error: describeError(error) };
  } finally {
    running.delete(request.runId);
  }
  const { contextProblem } = reported;
  return contextProblem === undefined ? outcome : { ...outcome, contextProblem };
}

/** Calls the task: through the setup module's `runInContext` when a carrier came with the run. */
function callTask(
  task: Task,
  request: RunRequest,
  setup: Namespace | null,
  onContextProblem: (problem: Error) => void,
): unknown {
  const call = (): unknown => task(...request.args);
  const { carrier } = request;
  if (carrier === null || setup === null || request.setup === null) return call();
  const runInContext = setup['runInContext'];
  if (typeof runInContext === 'function') {
    return runInCarriedContext(runInContext as RunInContext, carrier, call, onContextProblem);
  }
  // A setup problem, not a run's: reported once per thread.
  if (!reportedSetups.has(request.setup)) {
    reportedSetups.add(request.setup);
    onContextProblem(
      new TypeError(
        runInContext === undefined
          ? `the setup module has no runInContext export; export one (e.g. export ` +
              `{ runInContext } from '@kairos/otel/worker') or leave captureContext out`
          : `the setup module's runInContext export is ${show(runInContext)}, not a function`,
      ),
    );
  }
  return call();
}

/** Aborts this thread's runs that the executor cancels; the channel does not hold the thread. */
function listenForAborts(name: string): void {
  if (channels.has(name)) return;
  channels.add(name);
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: unknown) => {
    const message = (event as { data: AbortMessage }).data;
    running.get(message.runId)?.abort(reviveError(message.abort));
  };
  channel.unref();
}

/** The executor's setup module, imported once per thread before its first task. */
async function loadSetup(request: RunRequest, setup: string): Promise<Namespace> {
  try {
    return await importOnce(setup);
  } catch (error) {
    throw new WorkerSetupError(request.jobName, request.jobId, setup, error);
  }
}

/** The task function: the module's export, the module imported once per thread. */
async function loadTask(request: RunRequest): Promise<Task> {
  let namespace: Namespace;
  try {
    namespace = await importOnce(request.module);
  } catch (error) {
    throw lookupError(request, `cannot import it in a worker thread: ${messageOf(error)}`);
  }
  const task = namespace[request.exportName];
  if (typeof task !== 'function') {
    throw lookupError(request, `its module has no function export '${request.exportName}'`);
  }
  return task as Task;
}

/** A module, imported once per thread and kept; a failed import is tried again next time. */
async function importOnce(module: string): Promise<Namespace> {
  let loading = modules.get(module);
  if (loading === undefined) {
    loading = import(module) as Promise<Namespace>;
    modules.set(module, loading);
  }
  try {
    return await loading;
  } catch (error) {
    modules.delete(module);
    throw error;
  }
}

/** The outcome of a returned value, or of one that cannot be sent back. */
function returned(value: unknown, request: RunRequest): RunOutcome {
  try {
    return { ok: true, value: serialize(value) };
  } catch (error) {
    const problem = new TypeError(
      `Job "${request.jobName}" (id ${request.jobId}) returned a value that cannot be sent ` +
        `back from its worker thread (${messageOf(error)}); return data structured clone can ` +
        `copy: no functions, symbols or handles`,
    );
    return { ok: false, error: describeError(problem) };
  }
}

/** Core's TaskLookupError for the run's task reference (imported alone, without core's index). */
function lookupError(request: RunRequest, problem: string): TaskLookupError {
  return new TaskLookupError(request.reference, problem);
}
