/**
 * What crosses between the executor and its worker threads: a run's request, its outcome,
 * and errors in a form that keeps their name, message, stack and own fields (structured clone
 * keeps only the message and stack of an error, and the prototype of built-in ones).
 */
import type { ContextCarrier } from './interfaces.js';

/** One run, as the executor sends it to a worker thread. */
export interface RunRequest {
  /** The task's module, as `import()` takes it. */
  readonly module: string;
  /** The module's export that is the task. */
  readonly exportName: string;
  /** The task's reference, for error messages. */
  readonly reference: string;
  readonly args: readonly unknown[];
  readonly jobId: string;
  readonly jobName: string;
  readonly jobstore: string;
  /** The scheduled run time, epoch ms. */
  readonly runTime: number;
  /** The run's id in its record (`currentJob().runId`). */
  readonly recordId: string;
  /** `currentJob().attempt`. */
  readonly attempt: number;
  /** Numbers the executor's runs, so an {@link AbortMessage} can name this one. */
  readonly runId: number;
  /**
   * The executor's BroadcastChannel for {@link AbortMessage}s. One channel for all runs: a
   * port per run would cost each run a transfer, most of a short run's overhead.
   */
  readonly abortChannel: string;
  /**
   * Cancelled run ids, slot `runId % length` (on a SharedArrayBuffer): a broadcast sent before
   * the thread took the run is not delivered to it, so the thread also looks here when it starts.
   */
  readonly cancelled: Int32Array;
  /** The executor's `setup` module, as `import()` takes it, or null. */
  readonly setup: string | null;
  /** What `captureContext` returned as the run started, for the setup's `runInContext`. */
  readonly carrier: ContextCarrier | null;
}

/** Broadcast when a run is cancelled, `abortGrace` before its thread is terminated. */
export interface AbortMessage {
  readonly runId: number;
  readonly abort: ErrorState;
}

/**
 * How a run ended. A returned value travels as `v8.serialize` bytes: serialising in the worker
 * turns a value structured clone cannot copy into this run's error, where posting it would
 * throw inside the pool and take the thread down.
 */
export type RunOutcome = (
  | { readonly ok: true; readonly value: Uint8Array }
  | { readonly ok: false; readonly error: ErrorState }
) & {
  /** Why the task ran without its carried context (`runInContext` failed), for the log. */
  readonly contextProblem?: ErrorState;
};

/** An error (or any thrown value) in a form structured clone keeps whole. */
export type ErrorState =
  | {
      readonly kind: 'error';
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
      /** Own fields (`code`, `cause`, …) that can be cloned. */
      readonly fields: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'value'; readonly value: unknown };

/** Turns a thrown value into an {@link ErrorState}; `depth` bounds chains of causes. */
export function describeError(thrown: unknown, depth = 0): ErrorState {
  if (!(thrown instanceof Error)) {
    return { kind: 'value', value: cloneable(thrown) ? thrown : text(thrown) };
  }
  const fields: Record<string, unknown> = {};
  const keys = Object.keys(thrown);
  // An error constructed with `{cause}` has a non-enumerable own `cause`, an AggregateError
  // its `errors`.
  for (const own of ['cause', 'errors'])
    if (Object.hasOwn(thrown, own) && !keys.includes(own)) keys.push(own);
  for (const key of keys) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    // A getter that throws leaves its field out, as a field that cannot be copied is.
    const value = attempt(() => (thrown as unknown as Record<string, unknown>)[key], undefined);
    if (value instanceof Error) {
      if (depth < MAX_DEPTH) fields[key] = describeError(value, depth + 1);
    } else if (value !== undefined && cloneable(value)) {
      fields[key] = value;
    }
  }
  return {
    kind: 'error',
    name: text(attempt(() => thrown.name, 'Error')),
    message: text(attempt(() => thrown.message, '')),
    stack: attempt(() => (typeof thrown.stack === 'string' ? thrown.stack : undefined), undefined),
    fields,
  };
}

/** What `read` returns, or `fallback` when it throws. */
function attempt<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * A value as text, also one `String()` cannot convert (an object without a prototype, a
 * `toString` that throws): then its JSON, else its tag (`[object Object]`).
 */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    // No usable toString: its JSON, else its tag.
  }
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // Not JSON either.
  }
  return Object.prototype.toString.call(value);
}

const MAX_DEPTH = 8;

const BUILT_IN_ERRORS: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds an error from its {@link ErrorState}: built-in types as themselves, others as Error. */
export function reviveError(state: ErrorState): unknown {
  if (state.kind === 'value') return state.value;
  // Own keys only: an error named `constructor` is no Object.
  const Constructor = Object.hasOwn(BUILT_IN_ERRORS, state.name)
    ? (BUILT_IN_ERRORS[state.name] ?? Error)
    : Error;
  const error = new Constructor(state.message);
  if (error.name !== state.name) error.name = state.name;
  if (state.stack !== undefined) error.stack = state.stack;
  for (const [key, value] of Object.entries(state.fields)) {
    (error as unknown as Record<string, unknown>)[key] = isErrorState(value)
      ? reviveError(value)
      : value;
  }
  return error;
}

function isErrorState(value: unknown): value is ErrorState {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'error' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
