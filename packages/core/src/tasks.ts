/**
 * Tasks by name and by module reference: the scheduler's table of registered task functions,
 * and the loader that turns `'./tasks/report.js#build'` into the function it names.
 *
 * Loading a stored reference is running code chosen by whoever can write the job store, so
 * references to Node's built-in modules (`node:child_process#execSync`) and to code that is not a
 * module on disk (`data:` URLs) are refused unless `taskModules` lists them by name.
 */
import { isBuiltin } from 'node:module';
import { isAbsolute, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandFunction } from './commands/command-function.js';
import { CommandPolicy } from './commands/command-policy.js';
import { commandText, isCommandTask, type CommandTask } from './commands/command-task.js';
import { TaskLookupError } from './errors.js';
import type { Task, TaskFunction, TaskLocation } from './interfaces.js';
import { silentLogger, Log } from './logger.js';

/** Whether a string task is a module reference (`module#export`) rather than a registered name. */
export function isModuleReference(task: string): boolean {
  return task.includes('#');
}

/** Registered task names ↔ functions (or module references), and cached module imports. */
export class TaskRegistry {
  readonly #byName = new Map<string, TaskFunction>();
  /** Names registered for a module reference rather than a function. */
  readonly #references = new Map<string, string>();
  /** `locate` results by task: a worker executor asks once per run. */
  readonly #located = new Map<string, TaskLocation>();
  readonly #nameOf = new Map<TaskFunction, string>();
  readonly #modules = new Map<string, Promise<Record<string, unknown>>>();
  readonly #baseDir: string;
  readonly #log: () => Log;
  /** Which commands may be stored and run from a persistent store. */
  readonly commands = new CommandPolicy();
  /** The functions of command tasks, made once per (frozen) task. */
  readonly #commandFunctions = new WeakMap<CommandTask, TaskFunction>();
  /**
   * The modules references may load (package names, resolved paths, and the exact built-in
   * modules and URLs listed); null = any module except built-ins and URLs.
   */
  #allowed: { packages: string[]; paths: string[]; exact: string[] } | null = null;

  /**
   * @param baseDir directory that relative module references are resolved against
   * @param log where command tasks log their output (read at each run)
   */
  constructor(baseDir = process.cwd(), log: () => Log = () => SILENT) {
    this.#baseDir = baseDir;
    this.#log = log;
  }

  /**
   * Registers a task under a name (replacing an earlier one of that name): a function, or a
   * module reference (`'./tasks/report.js#build'`), which other threads can load too.
   */
  register(name: string, task: TaskFunction | string): void {
    if (typeof name !== 'string' || name === '' || isModuleReference(name)) {
      throw new TaskLookupError(
        String(name),
        `a task name must be a non-empty string without '#' (that marks a module reference)`,
      );
    }
    if (typeof task === 'string') {
      if (!isWellFormedReference(task)) {
        throw new TaskLookupError(
          name,
          `registerTask takes a function or a module reference such as './tasks.js#build', ` +
            `got ${JSON.stringify(task)}`,
        );
      }
    } else if (typeof task !== 'function') {
      throw new TaskLookupError(
        name,
        `registerTask takes a function or a module reference, got ${typeof task}`,
      );
    }
    this.#located.clear();
    const previous = this.#byName.get(name);
    if (previous !== undefined) this.#nameOf.delete(previous);
    this.#byName.delete(name);
    this.#references.delete(name);
    if (typeof task === 'string') {
      this.#references.set(name, task);
    } else {
      this.#byName.set(name, task);
      this.#nameOf.set(task, name);
    }
  }

  /**
   * Restricts the modules task references may load: package names (allowing their subpaths
   * too), paths (a file, or a directory when it ends in `/`), relative to the base directory,
   * and Node built-in modules, each by its own name (`'node:os'`, or `'os'`). Null allows any
   * module except Node's built-ins and non-file URLs, which are only ever loaded when listed.
   */
  allowModules(modules: readonly string[] | null): void {
    this.#located.clear();
    if (modules === null) {
      this.#allowed = null;
      return;
    }
    const packages: string[] = [];
    const paths: string[] = [];
    const exact: string[] = [];
    for (const entry of modules) {
      const listedOnly = listedOnlyName(entry);
      if (listedOnly !== null) {
        exact.push(listedOnly);
      } else if (isPath(entry)) {
        const path = resolve(this.#baseDir, entry);
        paths.push(entry.endsWith('/') ? `${path}${sep}` : path);
      } else {
        packages.push(entry);
      }
    }
    this.#allowed = { packages, paths, exact };
  }

  /**
   * What a scheduler with a persistent job store should say once at start while no
   * `taskModules` list is set (any module the process can import may then be loaded by a
   * stored job), or null when a list is set.
   */
  loadingWarning(): string | null {
    return this.#allowed === null ? TASK_MODULES_WARNING : null;
  }

  /** The registered name of a function task, if it has one; a string task is its own reference. */
  referenceOf(task: TaskFunction | string): string | undefined {
    return typeof task === 'string' ? task : this.#nameOf.get(task);
  }

  /**
   * Checks a task without loading anything: a function, a registered name, or something that
   * looks like a module reference.
   * @throws TaskLookupError saying what a task may be
   */
  check(task: unknown): asserts task is Task {
    if (typeof task === 'function' || isCommandTask(task)) return;
    if (typeof task === 'string' && this.#isRegistered(task)) return;
    if (typeof task === 'string' && isWellFormedReference(task)) {
      this.#checkAllowed(task, task.slice(0, task.lastIndexOf('#')));
      return;
    }
    if (typeof task === 'string') {
      const names = [...this.#byName.keys(), ...this.#references.keys()].map((name) => `'${name}'`);
      throw new TaskLookupError(
        task,
        `is neither a registered task name (` +
          (names.length === 0 ? 'none is registered' : `registered: ${names.join(', ')}`) +
          `) nor a module reference such as './tasks.js#build' or 'some-package#cleanup'`,
      );
    }
    throw new TaskLookupError(
      String(task),
      `a task must be a function, a registered task name, a module reference or a command ` +
        `({ command: 'sh line' } or { argv: ['program', 'arg'] }), not ${typeof task}`,
    );
  }

  /**
   * The function a task stands for. Functions and registered names resolve at once; module
   * references are imported (once, then cached).
   */
  resolve(task: Task): TaskFunction | Promise<TaskFunction> {
    if (typeof task === 'function') return task;
    if (typeof task === 'object') return this.#commandFunction(task);
    const registered = this.#byName.get(task);
    if (registered !== undefined) return registered;
    const reference = this.#references.get(task);
    if (reference !== undefined) return this.#load(reference, false);
    if (!isModuleReference(task)) this.check(task);
    return this.#load(task, true);
  }

  /**
   * Where a task's code is, for loading it in another thread: the module a reference (or a
   * name registered for one) points to, as `import()` takes it, and the export.
   * @throws TaskLookupError when the task is a function, or a name registered for one
   */
  locate(task: Task): TaskLocation {
    if (typeof task === 'function') {
      throw new TaskLookupError(
        task.name || 'anonymous',
        `a function cannot be sent to another thread; name the task by module reference ` +
          `('./tasks/report.js#build'), or register the reference under a name: ` +
          `registerTask('build', './tasks/report.js#build')`,
      );
    }
    if (typeof task === 'object') {
      throw new TaskLookupError(
        commandText(task),
        `a command task runs from the scheduler's own process (it starts its own child ` +
          `process); give it an executor that runs in-process, such as the default async one`,
      );
    }
    if (this.#byName.has(task)) {
      throw new TaskLookupError(
        task,
        `is registered as a function, which cannot be sent to another thread; register its ` +
          `module reference instead: registerTask('${task}', './tasks.js#${task}')`,
      );
    }
    const cached = this.#located.get(task);
    if (cached !== undefined) return cached;
    const registered = this.#references.get(task);
    // A registered reference was put there by the application; others pass taskModules.
    if (registered === undefined) this.check(task);
    const reference = registered ?? task;
    const hash = reference.lastIndexOf('#');
    const location: TaskLocation = {
      reference,
      module: this.#importable(reference.slice(0, hash)),
      exportName: reference.slice(hash + 1),
    };
    this.#located.set(task, location);
    return location;
  }

  #commandFunction(task: CommandTask): TaskFunction {
    let run = this.#commandFunctions.get(task);
    if (run === undefined) {
      run = commandFunction(task, this.#log);
      this.#commandFunctions.set(task, run);
    }
    return run;
  }

  #isRegistered(name: string): boolean {
    return this.#byName.has(name) || this.#references.has(name);
  }

  /** Imports a reference's module (once) and finds the export; `checked` = apply taskModules. */
  async #load(reference: string, checked: boolean): Promise<TaskFunction> {
    const hash = reference.lastIndexOf('#');
    const specifier = reference.slice(0, hash);
    const exportName = reference.slice(hash + 1);
    if (checked) this.#checkAllowed(reference, specifier);
    let loaded = this.#modules.get(specifier);
    if (loaded === undefined) {
      loaded = import(this.#importable(specifier)) as Promise<Record<string, unknown>>;
      this.#modules.set(specifier, loaded);
    }
    let namespace: Record<string, unknown>;
    try {
      namespace = await loaded;
    } catch (error) {
      this.#modules.delete(specifier);
      const reason = error instanceof Error ? error.message : String(error);
      throw new TaskLookupError(reference, `cannot import '${specifier}': ${reason}`);
    }
    const value = namespace[exportName];
    if (typeof value !== 'function') {
      const exported = Object.keys(namespace).filter((key) => typeof namespace[key] === 'function');
      throw new TaskLookupError(
        reference,
        `module '${specifier}' has no function export '${exportName}'` +
          (exported.length === 0 ? '' : `; its function exports: ${exported.join(', ')}`),
      );
    }
    return value as TaskFunction;
  }

  #checkAllowed(reference: string, specifier: string): void {
    const allowed = this.#allowed;
    const listedOnly = listedOnlyName(specifier);
    if (listedOnly !== null) {
      if (allowed?.exact.includes(listedOnly) === true) return;
      throw new TaskLookupError(
        reference,
        (listedOnly.startsWith('node:')
          ? `'${specifier}' is a Node built-in module`
          : `'${specifier}' is a URL, not a module file or package`) +
          `; a task reference may load it only when the scheduler's taskModules lists it by ` +
          `name, e.g. taskModules: ['${listedOnly}', './tasks/'] (a list allows only what it ` +
          `names). A stored job's task is code the scheduler runs: list it only if your tasks ` +
          `need it, or register a function under a name with registerTask() instead`,
      );
    }
    if (allowed === null) return;
    if (isPath(specifier)) {
      const path = resolve(this.#baseDir, specifier);
      if (
        allowed.paths.some(
          (entry) => path === entry || (entry.endsWith(sep) && path.startsWith(entry)),
        )
      )
        return;
    } else if (
      allowed.packages.some((name) => specifier === name || specifier.startsWith(`${name}/`))
    ) {
      return;
    }
    throw new TaskLookupError(
      reference,
      `module '${specifier}' is not in the scheduler's taskModules (` +
        ([...allowed.packages, ...allowed.paths, ...allowed.exact].join(', ') || 'empty') +
        `); add it there to let stored jobs load it`,
    );
  }

  /** Relative and absolute paths become file URLs; package names are imported as they are. */
  #importable(specifier: string): string {
    return importableSpecifier(specifier, this.#baseDir);
  }
}

/**
 * A module specifier as `import()` takes it, as task references are read: a relative
 * (`./`, `../`) or absolute path becomes a `file:` URL, relative ones resolved against
 * `baseDir`; a package name stays as it is.
 *
 * @example
 * importableSpecifier('./tasks/report.js', '/srv/app'); // 'file:///srv/app/tasks/report.js'
 */
export function importableSpecifier(specifier: string, baseDir: string = process.cwd()): string {
  return isPath(specifier) ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
}

/** What the start warning says while no `taskModules` list is set. */
const TASK_MODULES_WARNING =
  `taskModules is not set: a job read from a persistent job store may name any module this ` +
  `process can import (a package, or a file by path), and the scheduler will load and run it, ` +
  `so whoever can write to the store can run code here (Node built-ins such as ` +
  `node:child_process are refused unless listed). List the modules your tasks live in to ` +
  `allow only those: taskModules: ['./tasks/', '@acme/tasks'] in the scheduler options, or ` +
  `'kairos.task_modules': './tasks/, @acme/tasks' in a configuration dictionary`;

/**
 * The name under which a specifier must be listed in `taskModules` to be loadable, for the
 * specifiers that are loadable only when listed: Node built-ins (`'node:fs'` for `'fs'` and
 * `'node:fs'`) and URLs other than `file:` (`data:`, `http:` …), as they are; null for the rest.
 */
function listedOnlyName(specifier: string): string | null {
  if (specifier.startsWith('node:')) return specifier;
  if (isBuiltin(specifier)) return `node:${specifier}`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(specifier)?.[1];
  // One letter is a Windows drive (`C:\tasks.js`), a path rather than a URL.
  if (scheme !== undefined && scheme.length > 1 && scheme.toLowerCase() !== 'file') {
    return specifier;
  }
  return null;
}

/** Whether a string has the shape `module#export`, both parts non-empty. */
function isWellFormedReference(task: string): boolean {
  const hash = task.lastIndexOf('#');
  return hash > 0 && hash < task.length - 1;
}

/** Whether a module specifier is a file path rather than a package name. */
function isPath(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
}

const SILENT = new Log(silentLogger);
