/** Comparing jobs by what a store must keep of them: their stored form. */
import type { Job, JobStore } from '@kairos/core';
import { expect } from 'vitest';
import type { TestStoreContext } from '../context.js';

/** Asserts that two jobs store the same (every field, the trigger spec, the args, the time). */
export function expectSameJob(context: TestStoreContext, actual: Job | null, expected: Job): void {
  expect(actual, `job ${expected.id}`).not.toBeNull();
  if (actual === null) return;
  expect(context.serializeJob(actual)).toEqual(context.serializeJob(expected));
}

/** The ids of jobs, in order. */
export function ids(jobs: readonly Job[]): string[] {
  return jobs.map((job) => job.id);
}

/**
 * The jobs due at `now` (next run time ≤ `now`), earliest first: `getAllJobs()` filtered, so the
 * suite observes what is due without a query of its own in the store interface.
 */
export async function dueJobs(store: JobStore, now: number): Promise<Job[]> {
  const jobs = await store.getAllJobs();
  return jobs.filter((job) => job.nextRunTimeMs !== null && job.nextRunTimeMs <= now);
}
