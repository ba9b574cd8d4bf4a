/**
 * Tasks by name and by module reference: the scheduler's table of registered task functions,
 * and the loader that turns `'./tasks/report.js#build'` into the function it names.
 */
import { isAbsolute, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskLookupError } from './errors.js';
import type { Task, TaskFunction } from './interfaces.js';

/** Whether a string task is a module reference (`module#export`) rather than a registered name. */
export function isModuleReference(task: string): boolean {
  return task.includes('#');
}

/** Registered task names ↔ functions, and cached module imports. */
export class TaskRegistry {
  readonly #byName = new Map<string, TaskFunction>();
  readonly #nameOf = new Map<TaskFunction, string>();
  readonly #modules = new Map<string, Promise<Record<string, unknown>>>();
  readonly #baseDir: string;
  /** The modules references may load (package names and resolved paths); null = any. */
  #allowed: { packages: string[]; paths: string[] } | null = null;

  /** @param baseDir directory that relative module references are resolved against */
  constructor(baseDir = process.cwd()) {
    this.#baseDir = baseDir;
  }

  /** Registers a task under a name (replacing an earlier one of that name). */
  register(name: string, task: TaskFunction): void {
    if (typeof name !== 'string' || name === '' || isModuleReference(name)) {
      throw new TaskLookupError(
        String(name),
        `a task name must be a non-empty string without '#' (that marks a module reference)`,
      );
    }
    if (typeof task !== 'function') {
      throw new TaskLookupError(name, `registerTask needs a function, got ${typeof task}`);
    }
    const previous = this.#byName.get(name);
    if (previous !== undefined) this.#nameOf.delete(previous);
    this.#byName.set(name, task);
    this.#nameOf.set(task, name);
  }

  /**
   * Restricts the modules task references may load: package names (allowing their subpaths
   * too) and paths (a file, or a directory when it ends in `/`), relative to the base directory.
   * Null allows any module.
   */
  allowModules(modules: readonly string[] | null): void {
    if (modules === null) {
      this.#allowed = null;
      return;
    }
    const packages: string[] = [];
    const paths: string[] = [];
    for (const entry of modules) {
      if (isPath(entry)) {
        const path = resolve(this.#baseDir, entry);
        paths.push(entry.endsWith('/') ? `${path}${sep}` : path);
      } else {
        packages.push(entry);
      }
    }
    this.#allowed = { packages, paths };
  }

  /** The registered name of a function task, if it has one; a string task is its own reference. */
  referenceOf(task: Task): string | undefined {
    return typeof task === 'string' ? task : this.#nameOf.get(task);
  }

  /**
   * Checks a task without loading anything: a function, a registered name, or something that
   * looks like a module reference.
   * @throws TaskLookupError saying what a task may be
   */
  check(task: unknown): asserts task is Task {
    if (typeof task === 'function') return;
    if (typeof task === 'string' && (this.#byName.has(task) || isModuleReference(task))) {
      const [specifier, exportName] = task.split('#');
      if (specifier !== undefined && specifier !== '' && exportName !== '') {
        if (!this.#byName.has(task)) this.#checkAllowed(task, specifier);
        return;
      }
    }
    if (typeof task === 'string') {
      const names = [...this.#byName.keys()].map((name) => `'${name}'`);
      throw new TaskLookupError(
        task,
        `is neither a registered task name (` +
          (names.length === 0 ? 'none is registered' : `registered: ${names.join(', ')}`) +
          `) nor a module reference such as './tasks.js#build' or 'some-package#cleanup'`,
      );
    }
    throw new TaskLookupError(
      String(task),
      `a task must be a function, a registered task name or a module reference, not ${typeof task}`,
    );
  }

  /**
   * The function a task stands for. Functions and registered names resolve at once; module
   * references are imported (once, then cached).
   */
  resolve(task: Task): TaskFunction | Promise<TaskFunction> {
    if (typeof task === 'function') return task;
    const registered = this.#byName.get(task);
    if (registered !== undefined) return registered;
    if (!isModuleReference(task)) this.check(task);
    return this.#load(task);
  }

  async #load(reference: string): Promise<TaskFunction> {
    const hash = reference.lastIndexOf('#');
    const specifier = reference.slice(0, hash);
    const exportName = reference.slice(hash + 1);
    this.#checkAllowed(reference, specifier);
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
        ([...allowed.packages, ...allowed.paths].join(', ') || 'empty') +
        `); add it there to let stored jobs load it`,
    );
  }

  /** Relative and absolute paths become file URLs; package names are imported as they are. */
  #importable(specifier: string): string {
    if (isPath(specifier)) return pathToFileURL(resolve(this.#baseDir, specifier)).href;
    return specifier;
  }
}

/** Whether a module specifier is a file path rather than a package name. */
function isPath(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
}
