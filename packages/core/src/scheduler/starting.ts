/**
 * The jobs of a scheduler that is starting: `start()` is moving the pending jobs to their
 * stores, so a call made meanwhile waits until the start is over and then goes where the jobs
 * are by then (the stores, or the pending jobs again when the start failed). Without it, a job
 * added while the last pending ones were being stored was kept pending and never stored.
 */
import type { Job, ListedJob } from '../job.js';
import type { BuiltJob } from './job-builder.js';
import type { FoundJob, JobPlace } from './places.js';

/** A {@link JobPlace} whose every call waits for the start in progress first. */
export class StartingJobs implements JobPlace {
  readonly #started: () => Promise<void>;
  readonly #place: () => JobPlace;

  /**
   * @param started settles (never rejects) when the start in progress is over
   * @param place where the jobs are once it is
   */
  constructor(started: () => Promise<void>, place: () => JobPlace) {
    this.#started = started;
    this.#place = place;
  }

  add(entry: BuiltJob): Promise<Job> {
    return this.#then((place) => place.add(entry));
  }

  addMany(entries: readonly BuiltJob[], labels: (index: number) => string): Promise<Job[]> {
    return this.#then((place) => place.addMany(entries, labels));
  }

  find(id: string, jobstore?: string): Promise<FoundJob | null> {
    return this.#then((place) => place.find(id, jobstore));
  }

  list(jobstore?: string): Promise<ListedJob[]> {
    return this.#then((place) => place.list(jobstore));
  }

  remove(id: string, jobstore?: string): Promise<string | undefined> {
    return this.#then((place) => place.remove(id, jobstore));
  }

  removeAll(jobstore?: string): Promise<void> {
    return this.#then((place) => place.removeAll(jobstore));
  }

  exportable(jobstore: string | undefined, now: number): Promise<Job[]> {
    return this.#then((place) => place.exportable(jobstore, now));
  }

  print(jobstore?: string): Promise<string[]> {
    return this.#then((place) => place.print(jobstore));
  }

  #then<T>(call: (place: JobPlace) => Promise<T>): Promise<T> {
    return this.#started().then(() => call(this.#place()));
  }
}
