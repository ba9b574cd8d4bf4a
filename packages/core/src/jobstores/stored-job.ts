/**
 * A job as a persistent store keeps it — its id, its next run time (the store's indexed copy)
 * and its stored form as JSON text — and the conversions every such store makes on the way in.
 */
import { ConflictingIdError, SerializationError } from '../errors.js';
import type { JobState, JobStoreContext } from '../interfaces.js';
import type { Job } from '../job.js';

/** One stored job as a store reads or writes it, whatever its table, hash or collection. */
export interface StoredJob {
  /** The job id, the store's key. */
  readonly id: string;
  /** The store's own, indexed copy of the next run time (epoch ms); null = paused. */
  readonly nextRunTime: number | null;
  /**
   * The stored form (`context.serializeJob(job)`) as JSON text; a document written by hand may
   * hold it already parsed.
   */
  readonly document: string | JobState;
}

/** A job on its way into a store: its document is always JSON text. */
export interface JobToStore extends StoredJob {
  readonly document: string;
}

/**
 * A job as a store writes it.
 * @throws SerializationError naming the job when it cannot be stored (a function task without a
 *   registered name, arguments JSON cannot hold), before the store writes anything
 */
export function storedJob(context: JobStoreContext, job: Job): JobToStore {
  const state = context.serializeJob(job);
  let document: string;
  try {
    document = JSON.stringify(state);
  } catch (error) {
    throw new SerializationError(
      `job "${state.name}" (id ${state.id}) cannot be stored as JSON: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
  return { id: job.id, nextRunTime: job.nextRunTimeMs, document };
}

/**
 * The jobs of one `addJobs` call as a store writes them, in order: all serialised before the
 * store writes any, so a job that cannot be stored fails the call with nothing written.
 * @param alias the store's alias, for the error
 * @throws ConflictingIdError naming the first id given twice; SerializationError from
 *   {@link storedJob}
 */
export function storedBatch(
  context: JobStoreContext,
  jobs: readonly Job[],
  alias: string,
): JobToStore[] {
  const ids = new Set<string>();
  for (const { id } of jobs) {
    if (ids.has(id)) throw new ConflictingIdError(id, alias);
    ids.add(id);
  }
  return jobs.map((job) => storedJob(context, job));
}

/**
 * The earliest next run time among `jobs` (epoch ms), or null when all are paused: what a
 * store announces once for a whole batch, since a scheduler woken for the earliest job also
 * sees the later ones.
 */
export function earliestRunTime(jobs: Iterable<Pick<StoredJob, 'nextRunTime'>>): number | null {
  let earliest: number | null = null;
  for (const { nextRunTime } of jobs) {
    if (nextRunTime !== null && (earliest === null || nextRunTime < earliest)) {
      earliest = nextRunTime;
    }
  }
  return earliest;
}
