/**
 * The jobs of one fluent scheduler, in the order they were made, each under its Kairos job id,
 * and which of them have been handed to the engine.
 */
import type { Job } from '../job.js';

/** A fluent scheduler's jobs. */
export class JobList {
  readonly #jobs: Job[] = [];
  readonly #byId = new Map<string, Job>();
  /** Jobs handed to the engine. */
  readonly #adopted = new WeakSet<Job>();

  /** The jobs, or those with a tag. */
  list(tag?: string): Job[] {
    return tag === undefined ? [...this.#jobs] : this.#jobs.filter((job) => job.tags.has(tag));
  }

  /** Whether the job is scheduled here (not cancelled). */
  has(job: Job): boolean {
    return this.#jobs.includes(job);
  }

  /** The job scheduled under a Kairos job id. */
  get(id: string): Job | undefined {
    return this.#byId.get(id);
  }

  /**
   * Adds a job `do()` finished, under its `with({id})` or an id made from its task and
   * arguments: the same line of code makes the same id at each start, so a persistent store's
   * job is found again, and a changed schedule replaces it rather than adding a second job.
   */
  add(job: Job): void {
    const base = job.options.id ?? `fluent:${job.call}`;
    let id = base;
    for (let n = 2; this.#byId.has(id); n++) id = `${base} #${n}`;
    job.id = id;
    this.#jobs.push(job);
    this.#byId.set(id, job);
  }

  /** Drops a job from the lists (not from the engine's stores); it has no next run any more. */
  forget(job: Job): void {
    this.#jobs.splice(this.#jobs.indexOf(job), 1);
    this.#byId.delete(job.id);
    this.#adopted.delete(job);
    job.nextRunMs = null;
  }

  /** Whether the job has been handed to the engine. */
  isAdopted(job: Job): boolean {
    return this.#adopted.has(job);
  }

  /** Records that the engine has the job. */
  markAdopted(job: Job): void {
    this.#adopted.add(job);
  }

  /** The first job not handed to the engine yet. */
  nextUnadopted(): Job | undefined {
    return this.#jobs.find((job) => !this.#adopted.has(job));
  }
}
