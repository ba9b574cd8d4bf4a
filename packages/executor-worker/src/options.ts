/**
 * The options of {@link WorkerExecutor}: their schema (as configuration dictionaries deliver
 * them, strings included) and their defaults.
 */
import { availableParallelism } from 'node:os';
import {
  ConfigurationError,
  importableSpecifier,
  nonNegativeInteger,
  parseOptions,
  positiveInteger,
  positiveNumber,
  seconds,
} from '@kairos/core';
import { show } from '@kairos/triggers';
import { z } from 'zod';
import type { CaptureContext } from './interfaces.js';

/** Heap and stack caps of each worker thread, as `worker_threads` takes them. */
export interface WorkerResourceLimits {
  /** The main heap's cap in MB; a run that exceeds it kills its thread (reported as a crash). */
  maxOldGenerationSizeMb?: number;
  /** The heap space for new objects, in MB. */
  maxYoungGenerationSizeMb?: number;
  /** The space for generated code, in MB. */
  codeRangeSizeMb?: number;
  /** The thread's stack, in MB. Default 4. */
  stackSizeMb?: number;
}

/** Options of {@link WorkerExecutor}. */
export interface WorkerExecutorOptions {
  /** Threads, and so runs, at most at once; more runs wait in order. Default: the number of cores. */
  maxWorkers?: number;
  /** Threads kept alive even when idle (started with the executor). Default 0. */
  minWorkers?: number;
  /** Seconds an idle thread above `minWorkers` lives before it exits. Default 60. */
  idleTimeout?: number;
  /**
   * Seconds between aborting a run's `currentJob().signal` (at its timeout, or a shutdown that
   * does not wait) and terminating its thread, so a task waiting on I/O can stop and clean up.
   * A task busy on the CPU never sees the signal; its thread is terminated when this runs out.
   * Default 1.
   */
  abortGrace?: number;
  /** Heap and stack caps of each thread. Default: Node's. */
  resourceLimits?: WorkerResourceLimits;
  /**
   * Submissions that may wait for a free thread; one more is refused (logged and reported to
   * `on('error')` listeners). Default: no limit.
   */
  maxQueue?: number;
  /**
   * A module each thread imports once, before its first run: a path (relative to the working
   * directory), a `file:` URL or a package name. Its top level prepares what tasks need in
   * every thread, such as an OpenTelemetry SDK (each thread has its own globals); its
   * `runInContext` export, if any, runs each task in the context `captureContext` carried. A
   * thread that cannot import it fails the run, and tries again at its next one.
   */
  setup?: string | URL;
  /**
   * Called in the main thread as each run starts, inside the context the scheduler starts it
   * in: returns a carrier of that context, which the thread hands to the `setup` module's
   * `runInContext` (so the task's spans are children of `instrument()`'s run span). A throw, a
   * bad value or a failing `runInContext` is logged and the task runs without the context.
   * Needs `setup`. `@kairos/otel/worker` exports one for OpenTelemetry.
   */
  captureContext?: CaptureContext;
}

/** A module specifier or URL, for `setup`. */
const moduleSpecifier = z.custom<string | URL>(
  (value) => (typeof value === 'string' && value.trim() !== '') || value instanceof URL,
  {
    error: (issue) =>
      `${show(issue.input)} is not a module; give a path ('./worker-setup.js'), a file URL ` +
      `or a package name`,
  },
);

/** A function, for `captureContext`. */
const captureFunction = z.custom<CaptureContext>((value) => typeof value === 'function', {
  error: (issue) =>
    `${show(issue.input)} is not a function; give a function that returns the carrier of ` +
    `the current context, such as captureContext from '@kairos/otel/worker'`,
});

/** The schema of {@link WorkerExecutorOptions}, as configuration dictionaries give them. */
export const workerExecutorOptions = z.strictObject({
  maxWorkers: positiveInteger.optional(),
  minWorkers: nonNegativeInteger.optional(),
  idleTimeout: seconds.optional(),
  abortGrace: seconds.optional(),
  resourceLimits: z
    .strictObject({
      maxOldGenerationSizeMb: positiveNumber.optional(),
      maxYoungGenerationSizeMb: positiveNumber.optional(),
      codeRangeSizeMb: positiveNumber.optional(),
      stackSizeMb: positiveNumber.optional(),
    })
    .optional(),
  maxQueue: nonNegativeInteger.optional(),
  setup: moduleSpecifier.optional(),
  captureContext: captureFunction.optional(),
});

/** The options with their defaults applied. */
export interface ResolvedWorkerOptions {
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeout: number;
  readonly abortGrace: number;
  readonly resourceLimits: WorkerResourceLimits | undefined;
  readonly maxQueue: number;
  /** The setup module as `import()` takes it: a `file:` URL for paths, else as given. */
  readonly setup: string | undefined;
  readonly captureContext: CaptureContext | undefined;
}

/**
 * Checks the options and applies the defaults.
 * @throws ConfigurationError naming the bad option
 */
export function resolveOptions(options: WorkerExecutorOptions): ResolvedWorkerOptions {
  const parsed = parseOptions(workerExecutorOptions, options, 'WorkerExecutor');
  const maxWorkers = parsed.maxWorkers ?? availableParallelism();
  const minWorkers = parsed.minWorkers ?? 0;
  if (minWorkers > maxWorkers) {
    throw new ConfigurationError(
      'WorkerExecutor.minWorkers',
      `${minWorkers} is more than maxWorkers (${maxWorkers}); lower minWorkers or raise maxWorkers`,
    );
  }
  if (parsed.captureContext !== undefined && parsed.setup === undefined) {
    throw new ConfigurationError(
      'WorkerExecutor.captureContext',
      `is set without setup: give setup a module whose runInContext export takes the ` +
        `carrier in each thread, e.g. setup: './worker-setup.js'`,
    );
  }
  return {
    maxWorkers,
    minWorkers,
    idleTimeout: parsed.idleTimeout ?? 60,
    abortGrace: parsed.abortGrace ?? 1,
    resourceLimits: parsed.resourceLimits,
    maxQueue: parsed.maxQueue ?? Infinity,
    setup: parsed.setup === undefined ? undefined : importable(parsed.setup),
    captureContext: parsed.captureContext,
  };
}

/** A path becomes a `file:` URL (relative to the working directory); URLs and packages stay. */
function importable(specifier: string | URL): string {
  return specifier instanceof URL ? specifier.href : importableSpecifier(specifier);
}
