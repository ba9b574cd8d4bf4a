/**
 * What becomes of a run's context on its way to a worker thread when a hook fails: the run goes
 * on without the context, and the problem is reported (the executor logs it). Main side: the
 * carrier `captureContext` gives, or why there is none. Thread side: the task run through the
 * setup module's `runInContext`, or directly when that fails before running it.
 */
import { show } from '@kairos/triggers';
import { messageOf } from './errors.js';
import type { CaptureContext, ContextCarrier, RunInContext } from './interfaces.js';

/** The carrier of a run's context, or why the run goes without one. */
export type Captured =
  | { readonly carrier: ContextCarrier | null; readonly problem: null }
  | { readonly carrier: null; readonly problem: Error };

/** Calls `captureContext`; a throw or a value other than an object of strings is a problem. */
export function captureCarrier(capture: CaptureContext): Captured {
  let value: unknown;
  try {
    value = capture();
  } catch (error) {
    return {
      carrier: null,
      problem: new Error(`captureContext threw: ${messageOf(error)}`, { cause: error }),
    };
  }
  if (value === undefined || value === null) return { carrier: null, problem: null };
  if (isCarrier(value)) return { carrier: value, problem: null };
  return {
    carrier: null,
    problem: new TypeError(
      `captureContext returned ${show(value)}, not an object of strings (or undefined)`,
    ),
  };
}

/**
 * Runs `task` through `runInContext` and returns what the task returned (or throws what it
 * threw). When the hook fails before running the task (it throws, or returns without calling
 * `run`), the task runs without the context; a hook that throws after the task ran leaves the
 * task's outcome as it was. Either way `onProblem` hears of it.
 */
export function runInCarriedContext(
  runInContext: RunInContext,
  carrier: ContextCarrier,
  task: () => unknown,
  onProblem: (problem: Error) => void,
): unknown {
  const call: { outcome?: { readonly value: unknown } | { readonly thrown: unknown } } = {};
  let closed = false;
  const run = (): unknown => {
    if (call.outcome !== undefined || closed) {
      throw new Error('runInContext must call run once, before it returns');
    }
    try {
      call.outcome = { value: task() };
    } catch (thrown) {
      call.outcome = { thrown };
      throw thrown;
    }
    return call.outcome.value;
  };
  let problem: Error | null = null;
  try {
    const returned: unknown = runInContext(carrier, run);
    // An async hook that calls `run` late gets a rejection (see `run`), not this thread's crash.
    if (isThenable(returned)) returned.then(undefined, () => undefined);
  } catch (error) {
    const { outcome } = call;
    if (outcome === undefined || !('thrown' in outcome) || outcome.thrown !== error) {
      const when = outcome === undefined ? 'before running the task' : 'after the task ran';
      problem = new Error(`runInContext threw ${when}: ${messageOf(error)}`, { cause: error });
    }
  } finally {
    closed = true;
  }
  const { outcome } = call;
  if (outcome === undefined) problem ??= new Error('runInContext returned without calling run');
  if (problem !== null) onProblem(problem);
  if (outcome === undefined) return task();
  if ('thrown' in outcome) throw outcome.thrown;
  return outcome.value;
}

function isCarrier(value: unknown): value is ContextCarrier {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((field) => typeof field === 'string')
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
