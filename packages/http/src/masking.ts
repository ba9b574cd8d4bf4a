/**
 * What the API withholds without `showArgs` besides args and results: command lines, and the
 * names of command jobs that may be command lines. A command job given no name is named after
 * its command (`pg_dump -h db app`), which may hold a secret. This module owns that rule; the
 * views and routes apply the {@link Mask} it gives them.
 *
 * - A job (see {@link jobMask}): a command job's command line is shown as `(a command)`, and so
 *   is its name when it is that line. An unrestorable job is judged by its stored task.
 * - A run (see {@link runMask}): judged by its job as found now when the job still has the name
 *   the run recorded. Otherwise (the job was removed, as a one-off job is once it runs, or
 *   renamed), nothing in a run record says whether the name was given or derived, so its name
 *   is shown as `(name hidden)` unless the run proves that its task was no command: it executed
 *   and returned what a command never returns (a command job's run returns its
 *   `CommandResult`, an object with `exitCode`, kept as is or, when large, as a
 *   `{type, preview, truncated}` summary).
 *
 * Error messages and stacks shown with a masked job or run have the withheld texts replaced by
 * the same labels: Kairos's errors quote the job's name and the command.
 */
import {
  commandText,
  JobEvent,
  type AnySchedulerEvent,
  type BaseScheduler,
  type ListedJob,
  type Run,
  type RunError,
} from 'kairos';

/** How a command line, or a name known to be one, is shown without `showArgs`. */
export const HIDDEN_COMMAND = '(a command)';

/** How a run's job name is shown when it may be a command line and nothing tells. */
const HIDDEN_NAME = '(name hidden)';

/** The texts a view withholds, each with the label shown in its place. */
export class Mask {
  /** Withholds nothing (with `showArgs`, or for a job that is no command). */
  static readonly NONE = new Mask(new Map());

  readonly #labels: ReadonlyMap<string, string>;
  /**
   * Every withheld text, longest first (so a text is replaced before any text inside it); made
   * at the first `text()` call: most masks only name a job or a run.
   */
  #pattern: RegExp | undefined;

  private constructor(labels: ReadonlyMap<string, string>) {
    this.#labels = labels;
  }

  /** This mask withholding `text` too, as `label` (a text it already withholds keeps its label). */
  with(text: string, label: string): Mask {
    if (text === '' || this.#labels.has(text)) return this;
    return new Mask(new Map([...this.#labels, [text, label]]));
  }

  /** A name as shown: the label of the withheld text it is, else itself. */
  name(name: string): string {
    return this.#labels.get(name) ?? name;
  }

  /** `text` with every withheld text in it replaced by its label (in one pass). */
  text(text: string): string {
    if (this.#labels.size === 0) return text;
    this.#pattern ??= new RegExp(
      [...this.#labels.keys()]
        .sort((a, b) => b.length - a.length)
        .map((withheld) => withheld.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, (found) => this.#labels.get(found) ?? found);
  }

  /** A run's error with its message and stack masked. */
  error(error: RunError | null): RunError | null {
    if (error === null || this.#labels.size === 0) return error;
    return {
      name: error.name,
      message: this.text(error.message),
      stack: error.stack === null ? null : this.text(error.stack),
    };
  }
}

/** What a job's views withhold: its command line, and so a name that is that line. */
export function jobMask(job: ListedJob, showArgs: boolean): Mask {
  if (showArgs) return Mask.NONE;
  if (job.state !== 'unrestorable') {
    return typeof job.task === 'object'
      ? Mask.NONE.with(commandText(job.task), HIDDEN_COMMAND)
      : Mask.NONE;
  }
  const task = storedTask(job.document);
  if (typeof task === 'string') return Mask.NONE;
  const command = readableCommand(task);
  if (command !== null) return Mask.NONE.with(command, HIDDEN_COMMAND);
  // An object task (a command) too damaged to read, or no task: the name cannot be told apart.
  return job.name === job.id ? Mask.NONE : Mask.NONE.with(job.name, HIDDEN_NAME);
}

/**
 * What a run's view withholds, given its job as found now (null when it is gone): see the
 * module comment for the rule.
 */
export function runMask(run: Run, job: ListedJob | null, showArgs: boolean): Mask {
  if (showArgs) return Mask.NONE;
  const mask = job === null ? Mask.NONE : jobMask(job, false);
  if ((job !== null && run.jobName === job.name) || provesNoCommand(run)) return mask;
  return mask.with(run.jobName, HIDDEN_NAME);
}

/** The masks of `runs`, in order, each job looked up once. */
export async function runMasks(
  scheduler: BaseScheduler,
  runs: readonly Run[],
  showArgs: boolean,
): Promise<Mask[]> {
  if (showArgs) return runs.map(() => Mask.NONE);
  const jobs = new Map<string, Promise<ListedJob | null>>();
  const jobOf = (run: Run): Promise<ListedJob | null> => {
    const key = JSON.stringify([run.jobstore, run.jobId]);
    let job = jobs.get(key);
    if (job === undefined) {
      job = currentJob(scheduler, run.jobId, run.jobstore);
      jobs.set(key, job);
    }
    return job;
  };
  return Promise.all(runs.map(async (run) => runMask(run, await jobOf(run), false)));
}

/**
 * What the view of a scheduler event withholds: that of the run it reports (`run`), or of its
 * job; nothing for an event about no job.
 */
export async function eventMask(
  scheduler: BaseScheduler,
  event: AnySchedulerEvent,
  run: Run | null,
  showArgs: boolean,
): Promise<Mask> {
  if (showArgs || !(event instanceof JobEvent)) return Mask.NONE;
  const job = await currentJob(scheduler, event.jobId, event.jobstore);
  if (run !== null) return runMask(run, job, false);
  return job === null ? Mask.NONE : jobMask(job, false);
}

/** The job as the scheduler has it now; null when it is gone or cannot be read (as if gone). */
async function currentJob(
  scheduler: BaseScheduler,
  id: string,
  jobstore: string,
): Promise<ListedJob | null> {
  try {
    return await scheduler.getJob(id, jobstore);
  } catch {
    return null;
  }
}

/**
 * Whether a run shows that its task was no command: it executed and its result is not what a
 * command job's run returns (its `CommandResult`, with `exitCode`, or a `truncated` summary).
 */
function provesNoCommand(run: Run): boolean {
  if (run.outcome !== 'executed') return false;
  const result: unknown = run.result;
  return (
    typeof result !== 'object' ||
    result === null ||
    !('exitCode' in result || 'truncated' in result)
  );
}

/** The task in an unrestorable job's stored document; undefined when it cannot be read. */
function storedTask(document: string | { task?: unknown }): unknown {
  if (typeof document !== 'string') return document.task;
  try {
    const state: unknown = JSON.parse(document);
    return typeof state === 'object' && state !== null
      ? (state as { task?: unknown }).task
      : undefined;
  } catch {
    return undefined;
  }
}

/** The command line of a stored command task, or null when it is not one that can be read. */
function readableCommand(task: unknown): string | null {
  if (typeof task !== 'object' || task === null) return null;
  const { command, argv } = task as { command?: unknown; argv?: unknown };
  if (typeof command === 'string') return command === '' ? null : commandText({ command });
  if (!Array.isArray(argv) || argv.length === 0) return null;
  const args: unknown[] = argv;
  return args.every((arg): arg is string => typeof arg === 'string')
    ? commandText({ argv: args })
    : null;
}
