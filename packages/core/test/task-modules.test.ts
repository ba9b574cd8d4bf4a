// Code loading, safe by default: Node's built-in modules and non-file URLs are never loaded as
// tasks unless taskModules lists them by name, on every path a reference takes (addJob, a
// stored job being restored, importJobs, the worker executor's locate), and the warning a
// scheduler gives at start while taskModules is not set.
import { existsSync, mkdtempSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  importableSpecifier,
  TaskLookupError,
  UnrestorableJobs,
  type JobStoreContext,
} from '../src/index.js';
import { TaskRegistry } from '../src/tasks.js';
import { at, ContextKeepingStore, makeScheduler, storedJobState } from './helpers.js';

/** A shell command that would leave a file behind if it ever ran, and that file. */
function tripwire(): { command: string; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'kairos-tripwire-')), 'ran');
  return { command: `node -e "require('fs').writeFileSync(process.argv[1], '')" ${file}`, file };
}

function lookupError(call: () => unknown): TaskLookupError {
  try {
    call();
  } catch (error) {
    if (error instanceof TaskLookupError) return error;
    throw error;
  }
  return expect.unreachable('expected a TaskLookupError');
}

describe('Node built-in modules as tasks', () => {
  it('refuses every built-in, with and without node:, when taskModules is not set', () => {
    const tasks = new TaskRegistry();
    expect(builtinModules).toEqual(
      expect.arrayContaining(['child_process', 'fs', 'vm', 'worker_threads']),
    );
    for (const name of [...builtinModules, 'node:test']) {
      const bare = name.startsWith('node:') ? name.slice('node:'.length) : name;
      for (const specifier of [`node:${bare}`, bare]) {
        if (specifier === bare && name.startsWith('node:')) continue; // only exists as node:x
        expect(() => tasks.check(`${specifier}#run`), specifier).toThrow(TaskLookupError);
      }
    }
  });

  it('says which reference, that it is a built-in, and how to allow it', () => {
    const error = lookupError(() => new TaskRegistry().check('node:child_process#execSync'));
    expect(error.task).toBe('node:child_process#execSync');
    expect(error.message).toBe(
      "Task 'node:child_process#execSync': 'node:child_process' is a Node built-in module; a " +
        "task reference may load it only when the scheduler's taskModules lists it by name, " +
        "e.g. taskModules: ['node:child_process', './tasks/'] (a list allows only what it " +
        "names). A stored job's task is code the scheduler runs: list it only if your tasks " +
        'need it, or register a function under a name with registerTask() instead',
    );
    expect(lookupError(() => new TaskRegistry().check('fs#rmSync')).message).toMatch(
      /^Task 'fs#rmSync': 'fs' is a Node built-in module; .*taskModules: \['node:fs', /,
    );
  });

  it('does not import a refused module: resolve rejects and locate throws', async () => {
    const tasks = new TaskRegistry();
    await expect(
      Promise.resolve().then(() => tasks.resolve('node:child_process#execSync')),
    ).rejects.toThrow(/is a Node built-in module/);
    expect(() => tasks.locate('worker_threads#Worker')).toThrow(/is a Node built-in module/);
  });

  it('refuses built-ins that a list does not name, and allows those it names', async () => {
    const tasks = new TaskRegistry();
    tasks.allowModules(['node:path', 'os', 'some-package']);
    expect(await tasks.resolve('node:path#join')).toBeTypeOf('function');
    expect(await tasks.resolve('path#join')).toBeTypeOf('function');
    expect(await tasks.resolve('node:os#cpus')).toBeTypeOf('function');
    expect(tasks.locate('os#cpus')).toMatchObject({ module: 'os', exportName: 'cpus' });
    expect(() => tasks.check('node:child_process#execSync')).toThrow(/is a Node built-in/);
    // A built-in is allowed by its own name only: node:path does not allow node:path/posix.
    expect(() => tasks.check('node:path/posix#join')).toThrow(
      /taskModules: \['node:path\/posix', /,
    );
  });

  it('refuses URLs that are not module files: a data: URL is code in the reference itself', async () => {
    const tasks = new TaskRegistry();
    const reference = 'data:text/javascript,export function run() { return 42; }#run';
    expect(() => tasks.check(reference)).toThrow(/is a URL, not a module file or package/);
    await expect(Promise.resolve().then(() => tasks.resolve(reference))).rejects.toThrow(
      TaskLookupError,
    );
    tasks.allowModules(['data:text/javascript,export function run() { return 42; }']);
    const run = await tasks.resolve(reference);
    expect(run()).toBe(42);
  });

  it('leaves a reference the application registered by name alone', async () => {
    const tasks = new TaskRegistry();
    tasks.register('join', 'node:path#join');
    const joined = (await tasks.resolve('join')) as (...parts: string[]) => string;
    expect(joined('a', 'b')).toBe(join('a', 'b'));
  });
});

describe('a scheduler and a stored job naming a built-in', () => {
  it('refuses it at addJob when taskModules is not set', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    const { command, file } = tripwire();
    await expect(
      scheduler.addJob('node:child_process#execSync', null, { args: [command] }),
    ).rejects.toThrow(TaskLookupError);
    expect(await scheduler.getJobs()).toEqual([]);
    expect(existsSync(file)).toBe(false);
    await scheduler.shutdown();
  });

  it('keeps a stored one unrestorable: skipped, reported with its cause, never run', async () => {
    const store = new ContextKeepingStore();
    const { scheduler, clock, events, logger } = makeScheduler({ jobstores: { default: store } });
    await scheduler.start();
    const context = store.context as JobStoreContext;
    const unrestorable = new UnrestorableJobs(context, 'default');
    const { command, file } = tripwire();
    const document = JSON.stringify(
      storedJobState('shell', at(1), 'node:child_process#execSync', [command]),
    );
    expect(unrestorable.restore('shell', document)).toBeNull();
    expect(unrestorable.has('shell')).toBe(true);
    const reported = logger.entries.filter((entry) => entry.level === 'error');
    expect(reported.map((entry) => entry.message)).toEqual([
      expect.stringMatching(/^Job shell in job store 'default' cannot be restored/),
    ]);
    expect(reported[0]?.err).toBeInstanceOf(TaskLookupError);
    expect(String(reported[0]?.err)).toMatch(/'node:child_process' is a Node built-in module/);
    // Reported once; still skipped on the next read.
    expect(unrestorable.restore('shell', document)).toBeNull();
    expect(logger.entries.filter((entry) => entry.level === 'error')).toHaveLength(1);
    await clock.advance(2000);
    expect(events.only('job_executed', 'job_error')).toEqual([]);
    expect(existsSync(file)).toBe(false);
    await scheduler.shutdown();
  });

  it('refuses it in importJobs and adds none of the document', async () => {
    const { scheduler, clock, events } = makeScheduler();
    scheduler.registerTask('noop', () => undefined);
    await scheduler.start();
    const { command, file } = tripwire();
    const document = {
      format: 'kairos-jobs',
      version: 1,
      exportedAt: new Date(at(0)).toISOString(),
      jobs: [
        storedJobState('fine', at(1), 'noop', []),
        storedJobState('shell', at(1), 'node:child_process#execSync', [command]),
      ],
    };
    await expect(scheduler.importJobs(document)).rejects.toThrow(
      /^Task 'node:child_process#execSync': 'node:child_process' is a Node built-in module/,
    );
    expect(await scheduler.getJobs()).toEqual([]);
    await clock.advance(2000);
    expect(events.only('job_executed')).toEqual([]);
    expect(existsSync(file)).toBe(false);
    await scheduler.shutdown();
  });

  it('loads and runs one that taskModules lists by name', async () => {
    const { scheduler, clock, events } = makeScheduler({ taskModules: ['node:path'] });
    await scheduler.start();
    await scheduler.importJobs({
      format: 'kairos-jobs',
      version: 1,
      exportedAt: new Date(at(0)).toISOString(),
      jobs: [storedJobState('join', at(1), 'node:path#join', ['a', 'b'])],
    });
    await clock.advance(1000);
    await clock.settle();
    expect(events.only('job_executed')).toEqual(['@1s job_executed join 1s']);
    await scheduler.shutdown();
  });
});

describe('TaskRegistry.loadingWarning', () => {
  it('warns while taskModules is not set, saying what may be loaded and how to restrict it', () => {
    const tasks = new TaskRegistry();
    expect(tasks.loadingWarning()).toBe(
      'taskModules is not set: a job read from a persistent job store may name any module ' +
        'this process can import (a package, or a file by path), and the scheduler will load ' +
        'and run it, so whoever can write to the store can run code here (Node built-ins such ' +
        'as node:child_process are refused unless listed). List the modules your tasks live ' +
        "in to allow only those: taskModules: ['./tasks/', '@acme/tasks'] in the scheduler " +
        "options, or 'kairos.task_modules': './tasks/, @acme/tasks' in a configuration " +
        'dictionary',
    );
  });

  it('is null once a list is set, even an empty one, and back when the list is removed', () => {
    const tasks = new TaskRegistry();
    tasks.allowModules(['./tasks/']);
    expect(tasks.loadingWarning()).toBeNull();
    tasks.allowModules([]);
    expect(tasks.loadingWarning()).toBeNull();
    tasks.allowModules(null);
    expect(tasks.loadingWarning()).not.toBeNull();
  });
});

describe('importableSpecifier', () => {
  it('makes paths file URLs (relative ones from the base directory) and leaves packages', () => {
    expect(importableSpecifier('./tasks/report.js', '/srv/app')).toBe(
      'file:///srv/app/tasks/report.js',
    );
    expect(importableSpecifier('../shared/jobs.mjs', '/srv/app')).toBe(
      'file:///srv/shared/jobs.mjs',
    );
    expect(importableSpecifier('/opt/jobs.js', '/srv/app')).toBe('file:///opt/jobs.js');
    expect(importableSpecifier('@acme/jobs', '/srv/app')).toBe('@acme/jobs');
    expect(importableSpecifier('./a.js')).toBe(`file://${process.cwd()}/a.js`);
  });
});
