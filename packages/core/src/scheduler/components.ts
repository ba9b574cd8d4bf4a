/**
 * The scheduler's job stores and executors: configured (as instances or specs), built once,
 * started with their context at `start()`, stopped at `shutdown()`, added and removed by alias.
 * The run layer keeps the started executors; this room keeps the started stores.
 */
import { show, type Trigger } from '@kairos/triggers';
import { isComponentRequest, parseConfig, type ComponentRequest } from '../config/index.js';
import { ComponentLookupError, ConfigurationError } from '../errors.js';
import {
  EVENT_EXECUTOR_ADDED,
  EVENT_EXECUTOR_REMOVED,
  EVENT_JOB_UNRESTORABLE,
  EVENT_JOBSTORE_ADDED,
  EVENT_JOBSTORE_REMOVED,
  JobUnrestorableEvent,
  SchedulerEvent,
} from '../events.js';
import { AsyncExecutor } from '../executors/async.js';
import type {
  Executor,
  ExecutorContext,
  JobHost,
  JobStore,
  JobStoreContext,
  PluginSpec,
} from '../interfaces.js';
import { Job } from '../job.js';
import { MemoryJobStore } from '../jobstores/memory.js';
import type { Listeners } from '../listeners.js';
import type { PluginRegistry } from '../registry.js';
import type { RunLayer } from '../runs/layer.js';
import { restoreJobFields, serializeJob } from '../serialize.js';
import type { TaskRegistry } from '../tasks.js';
import type { Settings } from './settings.js';

/** What the components room works with, given by its scheduler. */
export interface ComponentParts {
  readonly settings: Settings;
  readonly registry: PluginRegistry;
  readonly tasks: TaskRegistry;
  readonly runs: RunLayer;
  readonly listeners: Listeners;
  /** The scheduler, which restored jobs answer to. */
  readonly host: JobHost;
  /** Builds a trigger from a stored spec. */
  readonly makeTrigger: (spec: unknown) => Trigger;
  /** Store `alias`'s wakeup: a job due at `nextRunTime` (or something, when undefined) changed. */
  readonly wake: (alias: string, nextRunTime?: number) => void;
  /** Whether the scheduler was started and not shut down. */
  readonly running: () => boolean;
  /** At shutdown, once every run has its outcome and before the stores stop. */
  readonly beforeStoresStop: () => Promise<void>;
}

/** The job stores and executors of one scheduler. */
export class Components {
  readonly #parts: ComponentParts;
  readonly #jobstores = new Map<string, JobStore | ComponentRequest>();
  readonly #executors = new Map<string, Executor | ComponentRequest>();
  readonly #liveStores = new Map<string, JobStore>();
  /**
   * The keys (`jobstores.ALIAS`, `executors.ALIAS`) of components being added to a running
   * scheduler: taken before their build and start, so a second add of the same alias meanwhile
   * fails as if the first were done, instead of replacing it.
   */
  readonly #adding = new Set<string>();
  /** Whether the warning about unrestricted task modules was given. */
  #warnedOfTaskLoading = false;

  constructor(parts: ComponentParts) {
    this.#parts = parts;
  }

  /** The started job stores (while the scheduler runs), in the order they were added. */
  get stores(): ReadonlyMap<string, JobStore> {
    return this.#liveStores;
  }

  /** Takes the job stores and executors of a parsed configuration. */
  configure(
    jobstores: ReadonlyMap<string, JobStore | ComponentRequest> | undefined,
    executors: ReadonlyMap<string, Executor | ComponentRequest> | undefined,
  ): void {
    for (const [alias, store] of jobstores ?? []) this.#jobstores.set(alias, store);
    for (const [alias, executor] of executors ?? []) this.#executors.set(alias, executor);
  }

  /** Builds and starts every component (a memory store and an async executor by default). */
  async start(): Promise<void> {
    if (!this.#executors.has('default')) this.#executors.set('default', new AsyncExecutor());
    if (!this.#jobstores.has('default')) this.#jobstores.set('default', new MemoryJobStore());
    for (const [alias, entry] of this.#executors) {
      const executor = await this.#buildExecutor(entry);
      this.#executors.set(alias, executor);
      await executor.start(this.#executorContext(alias), alias);
      this.#parts.runs.attach(alias, executor);
    }
    for (const [alias, entry] of this.#jobstores) {
      const store = await this.#buildJobstore(entry);
      this.#jobstores.set(alias, store);
      await store.start(this.storeContext(alias), alias);
      this.#liveStores.set(alias, store);
    }
    this.#warnOfOpenTaskLoading();
  }

  /**
   * Cancels every run of the executors, queued or running (see `RunLayer.cancelAll`): a
   * `shutdown({ wait: false })` made while a waiting shutdown stops them.
   */
  cancelRuns(): void {
    this.#parts.runs.cancelAll();
  }

  /** Shuts down the executors (with `wait`, after their running jobs) and the job stores. */
  async stop(wait: boolean): Promise<void> {
    const { runs, listeners, settings } = this.#parts;
    await runs.detachAll(wait, (alias, error) => {
      settings.log.error(`Error shutting down executor '${alias}'`, error);
      listeners.reportError('executor', alias, error, 'shutting down');
    });
    await this.#parts.beforeStoresStop();
    for (const [alias, store] of this.#liveStores) {
      try {
        await store.shutdown();
      } catch (error) {
        settings.log.error(`Error shutting down job store '${alias}'`, error);
        listeners.reportError('jobstore', alias, error, 'shutting down');
      }
    }
    this.#liveStores.clear();
  }

  /** See `BaseScheduler.addExecutor`. */
  async addExecutor(executor: Executor | PluginSpec, alias: string): Promise<void> {
    if (this.#executors.has(alias) || this.#adding.has(`executors.${alias}`)) {
      throw new ConfigurationError(
        `executors.${alias}`,
        `an executor named '${alias}' exists already; remove it first`,
      );
    }
    const entry = this.#parse('executors', alias, executor) as Executor | ComponentRequest;
    if (this.#parts.running()) {
      const built = await this.#whileAdding(`executors.${alias}`, async () => {
        const made = await this.#buildExecutor(entry);
        await made.start(this.#executorContext(alias), alias);
        return made;
      });
      this.#parts.runs.attach(alias, built);
      this.#executors.set(alias, built);
    } else {
      this.#executors.set(alias, entry);
    }
    this.#parts.listeners.emit(
      EVENT_EXECUTOR_ADDED,
      () => new SchedulerEvent(EVENT_EXECUTOR_ADDED, alias),
    );
  }

  /** Builds and starts a component with its key taken (see `#adding`), released either way. */
  async #whileAdding<T>(key: string, add: () => Promise<T>): Promise<T> {
    this.#adding.add(key);
    try {
      return await add();
    } finally {
      this.#adding.delete(key);
    }
  }

  /** See `BaseScheduler.removeExecutor`. */
  async removeExecutor(alias: string, shutdown: boolean): Promise<void> {
    if (!this.#executors.has(alias))
      throw new ComponentLookupError('executor', alias, this.#executors.keys());
    this.#executors.delete(alias);
    // The run layer knows the started executors; one never started has nothing to stop.
    if (shutdown) await this.#parts.runs.detach(alias, true);
    else this.#parts.runs.forget(alias);
    this.#parts.listeners.emit(
      EVENT_EXECUTOR_REMOVED,
      () => new SchedulerEvent(EVENT_EXECUTOR_REMOVED, alias),
    );
  }

  /** See `BaseScheduler.addJobstore`. */
  async addJobstore(jobstore: JobStore | PluginSpec, alias: string): Promise<void> {
    if (this.#jobstores.has(alias) || this.#adding.has(`jobstores.${alias}`)) {
      throw new ConfigurationError(
        `jobstores.${alias}`,
        `a job store named '${alias}' exists already; remove it first`,
      );
    }
    const entry = this.#parse('jobstores', alias, jobstore) as JobStore | ComponentRequest;
    if (this.#parts.running()) {
      const built = await this.#whileAdding(`jobstores.${alias}`, async () => {
        const made = await this.#buildJobstore(entry);
        await made.start(this.storeContext(alias), alias);
        return made;
      });
      this.#liveStores.set(alias, built);
      this.#jobstores.set(alias, built);
    } else {
      this.#jobstores.set(alias, entry);
    }
    this.#parts.listeners.emit(
      EVENT_JOBSTORE_ADDED,
      () => new SchedulerEvent(EVENT_JOBSTORE_ADDED, alias),
    );
  }

  /**
   * Takes job store `alias` out of the scheduler (no job goes to it, no pass claims from it) and
   * returns it if it was started; `closeJobstore` then ends its removal (see
   * `BaseScheduler.removeJobstore`).
   * @throws ComponentLookupError unless a job store `alias` is configured
   */
  detachJobstore(alias: string): JobStore | undefined {
    if (!this.#jobstores.has(alias))
      throw new ComponentLookupError('job store', alias, this.#jobstores.keys());
    const live = this.#liveStores.get(alias);
    this.#jobstores.delete(alias);
    this.#liveStores.delete(alias);
    return live;
  }

  /** Ends the removal of a detached job store: shuts it down when told to, and announces it. */
  async closeJobstore(alias: string, live: JobStore | undefined, shutdown: boolean): Promise<void> {
    if (live !== undefined && shutdown) await live.shutdown();
    this.#parts.listeners.emit(
      EVENT_JOBSTORE_REMOVED,
      () => new SchedulerEvent(EVENT_JOBSTORE_REMOVED, alias),
    );
  }

  /** The started job store `alias`. */
  store(alias: string): JobStore {
    const store = this.#liveStores.get(alias);
    if (store === undefined)
      throw new ComponentLookupError('job store', alias, this.#liveStores.keys());
    return store;
  }

  /** Throws unless a job may name this job store (`default` is made at start when missing). */
  checkJobstoreAlias(alias: string): void {
    const known = this.#jobstores.has(alias) || (alias === 'default' && !this.#parts.running());
    if (!known)
      throw new ComponentLookupError('job store', alias, this.#knownAliases(this.#jobstores));
  }

  /** Throws unless a job may name this executor (`default` is made at start when missing). */
  checkExecutorAlias(alias: string): string {
    const known = this.#executors.has(alias) || (alias === 'default' && !this.#parts.running());
    if (!known)
      throw new ComponentLookupError('executor', alias, this.#knownAliases(this.#executors));
    return alias;
  }

  /**
   * The executor a job names, for its `checkJob`: undefined when it is the default made at
   * start. An executor configured by spec is built here (a promise), so its check applies
   * before start.
   */
  executorFor(alias: string): Executor | undefined | Promise<Executor> {
    const entry = this.#executors.get(alias);
    if (entry === undefined || !isComponentRequest(entry)) return entry;
    return this.#buildExecutor(entry).then((executor) => {
      // start() starts this instance; a spec replaced meanwhile is left alone.
      if (this.#executors.get(alias) === entry) this.#executors.set(alias, executor);
      return executor;
    });
  }

  /** What the job store `alias` gets at start; also how export and import (de)serialise jobs. */
  storeContext(alias = ''): JobStoreContext {
    const { settings, tasks, listeners, host, makeTrigger, wake } = this.#parts;
    return {
      clock: settings.clock,
      logger: settings.log.logger,
      serializeJob: (job) => {
        if (typeof job.task === 'object')
          tasks.commands.check(job.task, `Job "${job.name}" (id ${job.id})`);
        return serializeJob(job, (task) => tasks.referenceOf(task));
      },
      restoreJob: (state, alias) => {
        const job = new Job(restoreJobFields(state, alias, makeTrigger), host);
        this.#parts.tasks.check(job.task);
        if (typeof job.task === 'object')
          tasks.commands.check(
            job.task,
            `Job "${job.name}" (id ${job.id}) in job store '${alias}'`,
          );
        return job;
      },
      reportUnrestorable: (id, error) => {
        settings.log.error(
          `Job ${id} in job store '${alias}' cannot be restored and is skipped; it stays stored ` +
            `until it is fixed (register its task, replace or remove the job)`,
          error,
        );
        listeners.emit(EVENT_JOB_UNRESTORABLE, () => new JobUnrestorableEvent(id, alias, error));
      },
      wakeup: (nextRunTime) => wake(alias, nextRunTime),
    };
  }

  /** What the executor `alias` gets at start (the clock and logger cannot change while running). */
  #executorContext(alias: string): ExecutorContext {
    const { settings, tasks, listeners } = this.#parts;
    return {
      clock: settings.clock,
      logger: settings.log.logger,
      resolveTask: (job) => tasks.resolve(job.task),
      locateTask: (task) => tasks.locate(task),
      reportError: (error, action) => listeners.reportError('executor', alias, error, action),
    };
  }

  /** The job stores' aliases (with the `default` that `start()` adds when none is configured). */
  get jobstoreAliases(): string[] {
    return this.#knownAliases(this.#jobstores);
  }

  /** The executors' aliases (with the `default` that `start()` adds when none is configured). */
  get executorAliases(): string[] {
    return this.#knownAliases(this.#executors);
  }

  /** The aliases configured, with the `default` that `start()` adds when none is configured. */
  #knownAliases(components: Map<string, unknown>): string[] {
    const aliases = [...components.keys()];
    return this.#parts.running() || aliases.includes('default') ? aliases : [...aliases, 'default'];
  }

  /**
   * A persistent store with no `taskModules`: whoever can write the store may make this process
   * load any module it can import. Said once per scheduler.
   */
  #warnOfOpenTaskLoading(): void {
    if (this.#warnedOfTaskLoading) return;
    const persistent = [...this.#liveStores.values()].some(
      (store) => !(store instanceof MemoryJobStore),
    );
    const warning = persistent ? this.#parts.tasks.loadingWarning() : null;
    if (warning === null) return;
    this.#warnedOfTaskLoading = true;
    this.#parts.settings.log.warn(warning);
  }

  #parse(
    kind: 'jobstores' | 'executors',
    alias: string,
    value: unknown,
  ): JobStore | Executor | ComponentRequest {
    const parsed = parseConfig({ [kind]: { [alias]: value } }, this.#parts.registry);
    const entry = parsed[kind]?.get(alias);
    if (entry === undefined)
      throw new ConfigurationError(`${kind}.${alias}`, `${show(value)} is not usable`);
    return entry;
  }

  async #buildExecutor(entry: Executor | ComponentRequest): Promise<Executor> {
    if (!isComponentRequest(entry)) return entry;
    return (await this.#build('executor', entry)) as Executor;
  }

  async #buildJobstore(entry: JobStore | ComponentRequest): Promise<JobStore> {
    if (!isComponentRequest(entry)) return entry;
    return (await this.#build('jobstore', entry)) as JobStore;
  }

  async #build(kind: 'jobstore' | 'executor', request: ComponentRequest): Promise<unknown> {
    if (request.ctor !== undefined) return new request.ctor(request.options);
    const type = request.type ?? '';
    const registry = this.#parts.registry;
    const plugin =
      kind === 'jobstore'
        ? registry.component('jobstore', type, request.key)
        : registry.component('executor', type, request.key);
    try {
      return await plugin.create(request.options, request.key);
    } catch (error) {
      throw spelledAsWritten(error, request);
    }
  }
}

/**
 * A plugin's ConfigurationError on one of the request's options, re-keyed to the key as the user
 * wrote it (`kairos.jobstores.default.pool_size`, not `poolSize`), with the option names of its
 * hints (`did you mean …`, `allowed keys: …`) spelt the same way. The plugin may name the option
 * under the key it was given or, from its class's constructor, under the class
 * (`WorkerExecutor.minWorkers`). Other errors pass unchanged.
 */
function spelledAsWritten(error: unknown, request: ComponentRequest): unknown {
  if (!(error instanceof ConfigurationError)) return error;
  const prefix = error.key.startsWith(`${request.key}.`)
    ? `${request.key}.`
    : (/^[A-Z][A-Za-z0-9]*\./.exec(error.key)?.[0] ?? null);
  if (prefix === null) return error;
  const [option = '', ...rest] = error.key.slice(prefix.length).split('.');
  const key = [request.keyOf(option), ...rest].join('.');
  const problem = error.message
    .slice(error.key.length + 2)
    .replace(
      /(did you mean |allowed keys: )([^;)]*)/g,
      (_, lead: string, names: string) =>
        lead + names.replace(/\b[a-z]+(?:[A-Z][a-z0-9]*)+\b/g, request.spell),
    );
  if (key === error.key && problem === error.message.slice(error.key.length + 2)) return error;
  return new ConfigurationError(key, problem);
}
