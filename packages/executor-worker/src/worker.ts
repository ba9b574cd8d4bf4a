/**
 * The worker thread's side: runs one job run per call, as piscina hands them over. A task's
 * module is imported once per thread and kept; the run sees its job through `currentJob()`.
 */
import { serialize } from 'node:v8';
import { BroadcastChannel } from 'node:worker_threads';
import { TaskLookupError } from '@kairos/core/errors';
import { runInJobContext, type JobContext } from '@kairos/core/job-context';
import { RunCancelledBeforeStartError } from './errors.js';
import {
  describeError,
  reviveError,
  type AbortMessage,
  type RunOutcome,
  type RunRequest,
} from './protocol.js';

type Namespace = Record<string, unknown>;

/** Imported task modules of this thread, by module. */
const modules = new Map<string, Promise<Namespace>>();
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
  try {
    const task = await loadTask(request);
    // Cancelled while the thread started or imported the module: the task never starts.
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
    const value: unknown = await runInJobContext(context, () => task(...request.args));
    return returned(value, request);
  } catch (error) {
    return { ok: false, error: describeError(error) };
  } finally {
    running.delete(request.runId);
  }
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

/** The task function: the module's export, the module imported once per thread. */
async function loadTask(request: RunRequest): Promise<(...args: unknown[]) => unknown> {
  let loading = modules.get(request.module);
  if (loading === undefined) {
    loading = import(request.module) as Promise<Namespace>;
    modules.set(request.module, loading);
  }
  let namespace: Namespace;
  try {
    namespace = await loading;
  } catch (error) {
    modules.delete(request.module);
    throw lookupError(request, `cannot import it in a worker thread: ${messageOf(error)}`);
  }
  const task = namespace[request.exportName];
  if (typeof task !== 'function') {
    throw lookupError(request, `its module has no function export '${request.exportName}'`);
  }
  return task as (...args: unknown[]) => unknown;
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
