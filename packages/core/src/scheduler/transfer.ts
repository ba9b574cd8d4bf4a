/**
 * Jobs in and out as text: `printJobs` (APScheduler's listing), `exportJobs` (a versioned JSON
 * document) and the reading half of `importJobs`.
 */
import type { JobStoreContext } from '../interfaces.js';
import type { Job } from '../job.js';
import { exportDocument, parseJobsExport } from '../serialize.js';

/** Where `printJobs` writes. */
export interface PrintJobsOptions {
  /** Only this job store. */
  jobstore?: string;
  /** A writable with `write(text)`. Default: `process.stdout`. */
  out?: { write(text: string): unknown };
}

/** Options of `importJobs`. */
export interface ImportJobsOptions {
  /** The job store the jobs go to. Default `'default'`. */
  jobstore?: string;
  /** Replace jobs with the same ids instead of failing with `ConflictingIdError`. */
  replaceExisting?: boolean;
}

/** Writes `printJobs` lines. */
export function writeJobLines(lines: readonly string[], options: PrintJobsOptions): void {
  const out = options.out ?? process.stdout;
  out.write(lines.join('\n') + '\n');
}

/** The `exportJobs` document of these jobs. */
export function exportText(jobs: readonly Job[], context: JobStoreContext, now: number): string {
  const states = jobs.map((job) => context.serializeJob(job));
  return JSON.stringify(exportDocument(states, now), null, 2);
}

/**
 * The jobs of an `exportJobs` document (text or parsed), restored for the store `alias` and
 * checked by `check` before any of them is added.
 */
export async function readExport(
  document: unknown,
  alias: string,
  context: JobStoreContext,
  check: (job: Job) => Promise<void> | undefined,
): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const state of parseJobsExport(document)) {
    // Restoring checks the task is registered or an allowed module reference.
    const job = context.restoreJob(state, alias);
    await check(job);
    jobs.push(job);
  }
  return jobs;
}
