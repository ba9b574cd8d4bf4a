/**
 * What a persistent job store does with a stored job it cannot restore (its task is not
 * registered, its module reference is not allowed, its document is corrupt): keep it, skip it,
 * report it once. APScheduler 3 deletes such jobs; Kairos never does (DESIGN §4.2).
 */
import { SerializationError } from '../errors.js';
import type { JobState, JobStoreContext } from '../interfaces.js';
import type { Job } from '../job.js';

/**
 * Restores stored jobs for a job store and remembers the ones that could not be restored. Each
 * is reported once (the scheduler logs the job and the cause and emits a job store error
 * event), then left out of the store's results until it is written or removed through the
 * store, or the store starts again. It stays in the store.
 *
 * Queries that return the first `n` restorable jobs fetch `n + size` rows, so skipped jobs never
 * crowd out the others.
 */
export class UnrestorableJobs {
  readonly #context: JobStoreContext;
  readonly #alias: string;
  /** Ids of the stored jobs that could not be restored. */
  readonly #ids = new Set<string>();

  constructor(context: JobStoreContext, alias: string) {
    this.#context = context;
    this.#alias = alias;
  }

  /** How many stored jobs are being skipped. */
  get size(): number {
    return this.#ids.size;
  }

  /** Whether the job with this id is being skipped. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /**
   * The job a stored document holds, or null when it cannot be restored (reported the first
   * time).
   * @param id the id the store keeps the document under
   * @param document the stored JSON text, or the parsed state
   * @param nextRunTime the next run time from the store's own index (epoch ms, null = paused),
   *   which wins over the document's copy; omit it to use the document's
   */
  restore(id: string, document: string | JobState, nextRunTime?: number | null): Job | null {
    if (this.#ids.has(id)) return null;
    try {
      const state =
        typeof document === 'string' ? parseDocument(id, this.#alias, document) : document;
      return this.#context.restoreJob(
        nextRunTime === undefined ? state : { ...state, nextRunTime },
        this.#alias,
      );
    } catch (error) {
      this.#ids.add(id);
      this.#context.reportUnrestorable(id, error);
      return null;
    }
  }

  /** Forgets a job written or removed through the store, so it is restored afresh next time. */
  forget(id: string): void {
    this.#ids.delete(id);
  }

  /** Forgets every job (after `removeAllJobs`). */
  clear(): void {
    this.#ids.clear();
  }
}

function parseDocument(id: string, alias: string, text: string): JobState {
  try {
    return JSON.parse(text) as JobState;
  } catch (error) {
    throw new SerializationError(
      `stored job (id ${JSON.stringify(id)}) in job store '${alias}' is not valid JSON: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
}
