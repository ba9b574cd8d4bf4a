/**
 * The options of {@link WorkerExecutor}: their schema (as configuration dictionaries deliver
 * them, strings included) and their defaults.
 */
import { availableParallelism } from 'node:os';
import {
  ConfigurationError,
  nonNegativeInteger,
  parseOptions,
  positiveInteger,
  positiveNumber,
  seconds,
} from '@kairos/core';
import { z } from 'zod';

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
}

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
});

/** The options with their defaults applied. */
export interface ResolvedWorkerOptions {
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeout: number;
  readonly abortGrace: number;
  readonly resourceLimits: WorkerResourceLimits | undefined;
  readonly maxQueue: number;
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
  return {
    maxWorkers,
    minWorkers,
    idleTimeout: parsed.idleTimeout ?? 60,
    abortGrace: parsed.abortGrace ?? 1,
    resourceLimits: parsed.resourceLimits,
    maxQueue: parsed.maxQueue ?? Infinity,
  };
}
