/**
 * Job construction: `addJob` arguments (and `addJobs` entries) made into a Job with the
 * scheduler's defaults, triggers made from specs, the job store and executor aliases checked,
 * and the checks a job passes before it is added (its task loads, its executor takes it).
 */
import { DateTrigger, isTrigger, show, type Trigger } from '@kairos/triggers';
import { checkCommandTask, commandText, describeCommand } from '../commands/command-task.js';
import { ConflictingIdError, JobOptionError } from '../errors.js';
import type {
  AddJobOptions,
  Executor,
  JobChanges,
  JobHost,
  Task,
  TaskFunction,
  TriggerInput,
} from '../interfaces.js';
import { newJobId } from '../ids.js';
import { Job, type JobFields } from '../job.js';
import {
  checkAddJobOptions,
  checkJobChanges,
  checkTriggerSpecHasNoJobOptions,
  instantOf,
  normalizeAddJobArguments,
  type AddJobArguments,
  type JobLabel,
} from '../job-options.js';
import type { PluginRegistry } from '../registry.js';
import type { TaskRegistry } from '../tasks.js';
import type { Components } from './components.js';
import type { AddJobsEntry } from './options.js';
import { entryLabel, inEntry } from './entries.js';
import type { Settings } from './settings.js';

/** A job made from `addJob` arguments, with how it is to be stored. */
export interface BuiltJob {
  job: Job;
  /** The first run time is computed from the trigger when the job is stored (at start for a pending job). */
  computeNextRunTime: boolean;
  readonly replaceExisting: boolean;
  /** Trigger spec keys left to their defaults (see {@link defaultedKeys}). */
  readonly defaulted: readonly string[];
}

/** What the job builder works with, given by its scheduler. */
export interface JobBuilderParts {
  readonly settings: Settings;
  readonly registry: PluginRegistry;
  readonly tasks: TaskRegistry;
  readonly components: Components;
  /** The scheduler, which the jobs' methods call. */
  readonly host: JobHost;
}

const EMPTY_ARGS: readonly unknown[] = Object.freeze([]);

/** Makes jobs and triggers for one scheduler. */
export class JobBuilder {
  readonly #parts: JobBuilderParts;
  /** What triggers are built with, made again only when the scheduler's time zone changes. */
  #triggerOptions: { readonly timezone: string; readonly now: () => number } | null = null;

  constructor(parts: JobBuilderParts) {
    this.#parts = parts;
  }

  /**
   * A job from `addJob` arguments as `scheduledJob` takes them: options and trigger spec checked,
   * then {@link buildChecked}.
   * @param label how messages name the call, e.g. `addJob(report)`
   */
  build(
    task: Task,
    trigger: TriggerInput | null | undefined,
    rawOptions: AddJobOptions | undefined,
    label: JobLabel = () => addJobLabel(task),
  ): BuiltJob {
    const options = checkAddJobOptions(rawOptions, label);
    if (trigger !== undefined && trigger !== null) checkTriggerSpecHasNoJobOptions(trigger, label);
    return this.buildChecked(task, { trigger, options });
  }

  /**
   * A job from arguments {@link normalizeAddJobArguments} has checked: the task checked, the
   * trigger made, the aliases checked, the scheduler's job defaults applied.
   */
  buildChecked(given: Task, { trigger, options }: AddJobArguments): BuiltJob {
    const { settings, components } = this.#parts;
    const task = this.#checkTask(given, () => addJobLabel(given));
    const id = options.id ?? newJobId();
    const builtTrigger =
      trigger === undefined || trigger === null
        ? new DateTrigger({ runDate: settings.clock.now(), timezone: settings.timezone })
        : this.makeTrigger(trigger);
    const jobstore = options.jobstore ?? 'default';
    components.checkJobstoreAlias(jobstore);
    const executor = components.checkExecutorAlias(options.executor ?? 'default');
    let nextRunTimeMs: number | null = null;
    // Without a given next run time, the first one comes from the trigger when the job is
    // stored (at start for a pending job), where an unchanged stored job keeps its own.
    const computeNextRunTime = options.nextRunTime === undefined;
    if (options.nextRunTime !== undefined && options.nextRunTime !== null) {
      nextRunTimeMs = instantOf(
        options.nextRunTime,
        settings.timezone,
        // By the id or name given, else as the call's option errors name it (`addJob(task)`).
        options.id !== undefined || options.name !== undefined
          ? `job ${show(options.id ?? options.name)}`
          : addJobLabel(given),
      );
    }
    const defaults = settings.jobDefaults;
    const job = new Job(
      {
        id,
        name: options.name ?? defaultName(task),
        task,
        args: options.args === undefined ? EMPTY_ARGS : ownArgs(options.args),
        trigger: builtTrigger,
        executor,
        jobstore,
        misfireGraceTime:
          options.misfireGraceTime === undefined
            ? defaults.misfireGraceTime
            : options.misfireGraceTime,
        coalesce: options.coalesce ?? defaults.coalesce,
        maxInstances: options.maxInstances ?? defaults.maxInstances,
        timeout: options.timeout ?? null,
        onAbandoned: options.onAbandoned ?? 'fail',
        maxRetries: options.maxRetries ?? 1,
        nextRunTimeMs,
      },
      this.#parts.host,
    );
    return {
      job,
      computeNextRunTime,
      replaceExisting: options.replaceExisting ?? false,
      defaulted: defaultedKeys(trigger),
    };
  }

  /**
   * The jobs of `addJobs` entries, each checked as `addJob` checks its arguments (and as
   * {@link checkAddable}), and no id given twice for one store unless the later entry replaces;
   * an error names the entry (see {@link entryLabel}).
   * @returns the jobs and the entries, in entry order
   */
  async buildEntries(
    entries: Iterable<AddJobsEntry>,
  ): Promise<{ built: BuiltJob[]; given: readonly unknown[] }> {
    const built: BuiltJob[] = [];
    const given: unknown[] = [];
    /** The entry that named each job store and id first, to name it in a repeat's error. */
    const claimed = new Map<string, number>();
    const iterable = entries as unknown;
    if (
      typeof iterable === 'string' ||
      typeof (iterable as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator] !==
        'function'
    ) {
      throw new JobOptionError(
        'addJobs',
        'entries',
        iterable,
        `${show(iterable)} is not an array of entries such as [{task, trigger, id}]`,
      );
    }
    for (const entry of entries) {
      const index = built.length;
      given.push(entry);
      const label = (): string => entryLabel(index, entry);
      try {
        if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
          throw new JobOptionError(
            label(),
            'entry',
            entry,
            `${show(entry)} is not an object such as {task, trigger, id}`,
          );
        }
        const { task, trigger, ...options } = entry;
        const one = this.buildChecked(
          task,
          normalizeAddJobArguments(trigger, options, undefined, label),
        );
        // Most checks finish at once; only a module to load or an executor to build is awaited.
        const checking = this.checkAddable(one.job);
        if (checking !== undefined) await checking;
        built.push(one);
        const key = `${one.job.jobstore}\u0000${one.job.id}`;
        const first = claimed.get(key);
        if (first === undefined) claimed.set(key, index);
        else if (!one.replaceExisting) {
          const error = new ConflictingIdError(one.job.id, one.job.jobstore);
          error.message = `${error.message} (entry ${first} has it too)`;
          throw error;
        }
      } catch (error) {
        throw inEntry(error, index, label());
      }
    }
    return { built, given };
  }

  /**
   * A job with `modifyJob` changes applied and checked.
   * @returns the changed job, and whether the changes set its next run time
   */
  async change(job: Job, changes: JobChanges): Promise<{ job: Job; setsNextRunTime: boolean }> {
    const checked = checkJobChanges(changes, describe(job));
    const fields: { -readonly [K in keyof JobFields]?: JobFields[K] } = {};
    if (checked.task !== undefined) {
      fields.task = this.#checkTask(checked.task, () => describe(job));
      // A name the job was given by default follows its task: a command job named after its
      // old command line would otherwise keep showing that line (which may hold a secret).
      if (checked.name === undefined && job.name === defaultName(job.task))
        fields.name = defaultName(fields.task);
    }
    if (checked.trigger !== undefined) fields.trigger = this.makeTrigger(checked.trigger);
    if (checked.args !== undefined) fields.args = ownArgs(checked.args);
    if (checked.name !== undefined) fields.name = checked.name;
    if (checked.executor !== undefined)
      fields.executor = this.#parts.components.checkExecutorAlias(checked.executor);
    if (checked.misfireGraceTime !== undefined) fields.misfireGraceTime = checked.misfireGraceTime;
    if (checked.coalesce !== undefined) fields.coalesce = checked.coalesce;
    if (checked.maxInstances !== undefined) fields.maxInstances = checked.maxInstances;
    if (checked.timeout !== undefined) fields.timeout = checked.timeout;
    if (checked.onAbandoned !== undefined) fields.onAbandoned = checked.onAbandoned;
    if (checked.maxRetries !== undefined) fields.maxRetries = checked.maxRetries;
    if (checked.nextRunTime !== undefined) {
      fields.nextRunTimeMs =
        checked.nextRunTime === null
          ? null
          : instantOf(checked.nextRunTime, this.#parts.settings.timezone, describe(job));
    }
    const updated = job.with(fields);
    if (fields.task !== undefined) await this.checkTaskLoads(updated);
    if (fields.task !== undefined || fields.args !== undefined || fields.executor !== undefined)
      await this.checkExecutorTakes(updated);
    return { job: updated, setsNextRunTime: checked.nextRunTime !== undefined };
  }

  /**
   * The checks a built or imported job passes before it is added: its module-reference task
   * loads, its executor takes it. A promise only when something had to be loaded or built.
   */
  checkAddable(job: Job): Promise<void> | undefined {
    const loading = typeof job.task === 'string' ? this.#parts.tasks.resolve(job.task) : undefined;
    if (loading instanceof Promise) {
      return loading.then(() => this.checkExecutorTakes(job));
    }
    return this.checkExecutorTakes(job);
  }

  /** Module-reference tasks must load at the call that names them, not at their first run. */
  async checkTaskLoads(job: Job): Promise<void> {
    if (typeof job.task === 'string') await this.#parts.tasks.resolve(job.task);
  }

  /**
   * Lets the job's executor refuse a job it could never run (the worker executor, a function
   * task). A promise only when the executor, configured by a spec, had to be built.
   */
  checkExecutorTakes(job: Job): Promise<void> | undefined {
    const check = (executor: Executor | undefined): void => {
      executor?.checkJob?.(job, (task) => this.#parts.tasks.locate(task));
    };
    const executor = this.#parts.components.executorFor(job.executor);
    if (executor instanceof Promise) return executor.then(check);
    check(executor);
    return undefined;
  }

  /** A task checked: a command task is validated and frozen, others must look usable. */
  #checkTask(task: Task, label: () => string): Task {
    this.#parts.tasks.check(task);
    return typeof task === 'object' ? checkCommandTask(task, label()) : task;
  }

  /** A trigger instance as is, or one built from a spec by the trigger registry. */
  makeTrigger(input: unknown): Trigger {
    if (isTrigger(input)) return input;
    if (
      typeof input !== 'object' ||
      input === null ||
      typeof (input as { type?: unknown }).type !== 'string'
    ) {
      throw new JobOptionError(
        'trigger',
        'type',
        input,
        `${show(input)} is not a trigger: pass a Trigger instance or a spec such as {type: 'cron', hour: 3}`,
      );
    }
    const settings = this.#parts.settings;
    let options = this.#triggerOptions;
    if (options === null || options.timezone !== settings.timezone) {
      // `now` reads the clock the scheduler has when it is called.
      options = { timezone: settings.timezone, now: () => settings.clock.now() };
      this.#triggerOptions = options;
    }
    return this.#parts.registry.trigger(
      input as { type: string } & Record<string, unknown>,
      options,
    );
  }
}

/** A trigger's first fire time after `now`, in epoch ms. */
export function firstRunTime(trigger: Trigger, now: number): number | null {
  // Epoch ms in and out when the trigger takes them: no Date made per job.
  if (trigger.getNextFireTimeMs !== undefined) return trigger.getNextFireTimeMs(null, now);
  const next = trigger.getNextFireTime(null, new Date(now));
  return next === null ? null : next.getTime();
}

/**
 * The keys of a trigger spec that its caller left out and the trigger fills with a time of its
 * own making (an interval's `startDate` is now), so that adding the same spec again is
 * recognised as the same schedule; those of an AND or OR trigger's children as paths
 * (`triggers.0.startDate`). None for trigger instances: they are compared whole.
 */
export function defaultedKeys(input: TriggerInput | null | undefined): readonly string[] {
  if (input === null || input === undefined || isTrigger(input)) return NONE_DEFAULTED;
  const spec = input as Record<string, unknown>;
  const children = spec['triggers'];
  if ((spec['type'] === 'and' || spec['type'] === 'or') && Array.isArray(children)) {
    // An AND or OR trigger's children default their own: `triggers.0.startDate`.
    return children.flatMap((child: unknown, index) =>
      defaultedKeys(child as TriggerInput).map((key) => `triggers.${index}.${key}`),
    );
  }
  const start = spec['startDate'] === undefined && spec['start_date'] === undefined;
  const run = spec['runDate'] === undefined && spec['run_date'] === undefined;
  // Shared arrays: one per job would cost an allocation per job in addJobs.
  if (start) return run ? BOTH_DEFAULTED : START_DEFAULTED;
  return run ? RUN_DEFAULTED : NONE_DEFAULTED;
}

const NONE_DEFAULTED: readonly string[] = Object.freeze([]);
const START_DEFAULTED: readonly string[] = Object.freeze(['startDate']);
const RUN_DEFAULTED: readonly string[] = Object.freeze(['runDate']);
const BOTH_DEFAULTED: readonly string[] = Object.freeze(['startDate', 'runDate']);

/** How messages about an `addJob` call name it: `addJob(report)`. */
export function addJobLabel(task: Task): string {
  return `addJob(${taskLabel(task)})`;
}

/** How messages name a task: its name, its registered name or reference, or its command. */
export function taskLabel(task: Task | TaskFunction): string {
  if (typeof task === 'string') return show(task);
  if (typeof task === 'object') return describeCommand(task);
  return task.name || 'anonymous';
}

/** A job's name when none is given: the task's name, reference or command line. */
function defaultName(task: Task): string {
  if (typeof task === 'string') return task;
  if (typeof task === 'object') return commandText(task);
  return task.name || 'anonymous';
}

/** How messages name a job: `job "report" (id 7f…)`. */
export function describe(job: Job): string {
  return `job "${job.name}" (id ${job.id})`;
}

/**
 * The job's own frozen copy of the arguments it was given (as APScheduler keeps a tuple): a
 * caller that changes or reuses its array afterwards changes no job.
 */
function ownArgs(args: readonly unknown[]): readonly unknown[] {
  return Object.freeze([...args]);
}
