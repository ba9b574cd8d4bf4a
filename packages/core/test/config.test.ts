import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  isComponentRequest,
  parseConfig,
  type ComponentRequest,
  type SchedulerConfig,
} from '../src/config/index.js';
import { BackgroundScheduler } from '../src/index.js';
import { ConfigurationError } from '../src/errors.js';
import type { Executor, JobStore, Logger } from '../src/interfaces.js';
import { PluginRegistry } from '../src/registry.js';

// Only the method that tells an instance from a spec matters to parseConfig.
const fakeStore = (): JobStore =>
  ({ claimDueJobs: () => Promise.resolve([]) }) as unknown as JobStore;
const fakeExecutor = (): Executor => ({ run: () => undefined }) as unknown as Executor;

function makeRegistry(): PluginRegistry {
  return new PluginRegistry()
    .registerJobStore('memory', { options: z.strictObject({}), create: fakeStore })
    .registerJobStore('sqlite', {
      options: z.strictObject({ url: z.string() }),
      packageName: '@kairos/store-sqlite',
      isAvailable: () => false,
      create: fakeStore,
    })
    .registerExecutor('async', {
      options: z.strictObject({ maxWorkers: z.coerce.number().int().min(1).optional() }),
      create: fakeExecutor,
    })
    .registerExecutor('plain', { create: fakeExecutor });
}

const registry = makeRegistry();
const parse = (input: SchedulerConfig, prefix?: string) => parseConfig(input, registry, prefix);

/** The ConfigurationError `fn` throws. */
function configError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

const errorOf = (input: SchedulerConfig, prefix?: string) =>
  configError(() => parse(input, prefix));

describe('parseConfig: the two forms', () => {
  const task = () => 'done';
  const logger: Logger = console;

  it('gives the same result for flat keys and the nested object', () => {
    const flat = parse({
      'kairos.timezone': 'Europe/Paris',
      'kairos.jobstores.default': { type: 'memory' },
      'kairos.executors.default': { type: 'async', max_workers: '20' },
      'kairos.job_defaults.coalesce': 'false',
      'kairos.job_defaults.misfire_grace_time': '30',
      'kairos.job_defaults.max_instances': '3',
      'kairos.jobstore_retry_interval': '5',
      'kairos.max_sleep_time': '30',
      'kairos.daemon': 'no',
      'kairos.logger': logger,
      'kairos.tasks.report': task,
    });
    const nested = parse({
      timezone: 'Europe/Paris',
      jobstores: { default: { type: 'memory' } },
      executors: { default: { type: 'async', maxWorkers: 20 } },
      jobDefaults: { coalesce: false, misfireGraceTime: 30, maxInstances: 3 },
      jobstoreRetryInterval: 5,
      maxSleepTime: 30,
      daemon: false,
      logger,
      tasks: { report: task },
    });
    const { jobstores, executors, ...rest } = nested;
    expect(rest).toEqual({
      timezone: 'Europe/Paris',
      jobDefaults: { coalesce: false, misfireGraceTime: 30, maxInstances: 3 },
      jobstoreRetryInterval: 5,
      maxSleepTime: 30,
      daemon: false,
      logger,
      tasks: { report: task },
    });
    expect(jobstores?.get('default')).toEqual({
      key: 'jobstores.default',
      type: 'memory',
      options: {},
    });
    expect(executors?.get('default')).toEqual({
      key: 'executors.default',
      type: 'async',
      options: { maxWorkers: 20 },
    });
    // Equal except for the keys the requests were named by.
    expect(flat.executors?.get('default')).toEqual({
      key: 'kairos.executors.default',
      type: 'async',
      options: { maxWorkers: 20 },
    });
    expect(flat.jobstores?.get('default')).toMatchObject({ key: 'kairos.jobstores.default' });
    expect({ ...flat, jobstores: undefined, executors: undefined }).toEqual({
      ...rest,
      jobstores: undefined,
      executors: undefined,
    });
  });

  it('accepts snake_case and camelCase spellings of every key', () => {
    const snake = parse({
      job_defaults: { misfire_grace_time: 2, max_instances: 2 },
      jobstore_retry_interval: 1,
      max_sleep_time: 9,
      executors: { pool: { type: 'async', max_workers: 4 } },
    });
    const camel = parse({
      jobDefaults: { misfireGraceTime: 2, maxInstances: 2 },
      jobstoreRetryInterval: 1,
      maxSleepTime: 9,
      executors: { pool: { type: 'async', maxWorkers: 4 } },
    });
    expect(snake.jobDefaults).toEqual(camel.jobDefaults);
    expect(snake.jobstoreRetryInterval).toBe(1);
    expect(snake.maxSleepTime).toBe(9);
    expect(snake.executors?.get('pool')).toEqual(camel.executors?.get('pool'));
    expect(parse({ 'kairos.jobDefaults.maxInstances': '2' })).toEqual({
      jobDefaults: { maxInstances: 2 },
    });
  });

  it('mixes both forms for different settings', () => {
    expect(
      parse({
        jobDefaults: { coalesce: true },
        'kairos.job_defaults.max_instances': '5',
        jobstores: { default: { type: 'memory' } },
        'kairos.jobstores.other': { type: 'memory' },
      }),
    ).toMatchObject({
      jobDefaults: { coalesce: true, maxInstances: 5 },
      jobstores: new Map([
        ['default', { key: 'jobstores.default', type: 'memory', options: {} }],
        ['other', { key: 'kairos.jobstores.other', type: 'memory', options: {} }],
      ]),
    });
  });

  it('returns only the keys the input set', () => {
    expect(parse({})).toEqual({});
    expect(parse({ 'kairos.timezone': 'UTC' })).toEqual({ timezone: 'UTC' });
    // In IANA's spelling, as triggers keep theirs.
    expect(parse({ timezone: 'europe/paris' })).toEqual({ timezone: 'Europe/Paris' });
    expect(new BackgroundScheduler({ timezone: 'utc' }).timezone).toBe('UTC');
    expect(Object.keys(parse({ jobDefaults: {}, jobstores: {} }))).toEqual([
      'jobDefaults',
      'jobstores',
    ]);
    // undefined counts as absent, as in any options object.
    expect(parse({ timezone: undefined, jobDefaults: { coalesce: undefined } })).toEqual({
      jobDefaults: {},
    });
  });

  it('keeps logger, clock and task objects as given', () => {
    const clock = { now: () => 0, setTimer: () => ({ cancel() {}, unref() {} }) };
    const report = () => 1;
    const config = parse({ logger: console, clock, tasks: { report } });
    expect(config.logger).toBe(console);
    expect(config.clock).toBe(clock);
    expect(config.tasks?.report).toBe(report);
  });

  it('reads task names with dots from flat keys', () => {
    const daily = () => 1;
    expect(parse({ 'kairos.tasks.reports.daily': daily }).tasks).toEqual({
      'reports.daily': daily,
    });
  });

  it('rejects a config that is not an object', () => {
    expect(errorOf(null as unknown as SchedulerConfig).message).toBe(
      'config: null is not a configuration object',
    );
  });
});

describe('parseConfig: string coercion', () => {
  const coalesce = (value: unknown) =>
    parse({ 'kairos.job_defaults.coalesce': value }).jobDefaults?.coalesce;

  it.each(['true', 'yes', 'on', 'y', 't', '1', 'TRUE', 'Yes', ' on '])(
    'reads %j as true',
    (word) => {
      expect(coalesce(word)).toBe(true);
    },
  );

  it.each(['false', 'no', 'off', 'n', 'f', '0', 'FALSE', 'No', ' off '])(
    'reads %j as false',
    (word) => {
      expect(coalesce(word)).toBe(false);
    },
  );

  it('takes real booleans too, for daemon as well', () => {
    expect(coalesce(true)).toBe(true);
    expect(parse({ 'kairos.daemon': 'off' }).daemon).toBe(false);
    expect(parse({ daemon: true }).daemon).toBe(true);
  });

  it('rejects other spellings, naming the key and the value', () => {
    const error = errorOf({ 'kairos.job_defaults.coalesce': 'maybe' });
    expect(error.key).toBe('kairos.job_defaults.coalesce');
    expect(error.message).toBe(
      `kairos.job_defaults.coalesce: 'maybe' is not a boolean; use true/false ` +
        `(or 'true', 'yes', 'on', '1' / 'false', 'no', 'off', '0')`,
    );
    for (const value of ['', 'truthy', 'nope']) {
      expect(errorOf({ 'kairos.job_defaults.coalesce': value }).message).toContain(
        `'${value}' is not a boolean`,
      );
    }
    expect(errorOf({ jobDefaults: { coalesce: 1 } }).message).toBe(
      `jobDefaults.coalesce: 1 is not a boolean; use true/false ` +
        `(or 'true', 'yes', 'on', '1' / 'false', 'no', 'off', '0')`,
    );
    expect(errorOf({ daemon: 'sometimes' }).message).toMatch(
      /^daemon: 'sometimes' is not a boolean/,
    );
  });

  it('reads integers like asint', () => {
    const maxInstances = (value: unknown) =>
      parse({ 'kairos.job_defaults.max_instances': value }).jobDefaults?.maxInstances;
    expect(maxInstances('3')).toBe(3);
    expect(maxInstances(' 4 ')).toBe(4);
    expect(maxInstances('+2')).toBe(2);
    expect(maxInstances(7)).toBe(7);
    for (const value of ['2.5', '0', '-1', 'abc', '1e2', '', 0, 1.5, true]) {
      const error = errorOf({ 'kairos.job_defaults.max_instances': value });
      expect(error.key).toBe('kairos.job_defaults.max_instances');
      expect(error.message).toContain(
        `${typeof value === 'string' ? `'${value}'` : String(value)} is not an integer ≥ 1`,
      );
    }
  });

  it('reads numbers of seconds, fractions and exponents included', () => {
    expect(parse({ 'kairos.jobstore_retry_interval': '2.5' }).jobstoreRetryInterval).toBe(2.5);
    expect(parse({ 'kairos.jobstore_retry_interval': '1e1' }).jobstoreRetryInterval).toBe(10);
    expect(parse({ 'kairos.max_sleep_time': ' .5 ' }).maxSleepTime).toBe(0.5);
    expect(parse({ 'kairos.max_sleep_time': '2147483' }).maxSleepTime).toBe(2147483);
    for (const value of ['0', '-1', 'abc', '', 'Infinity', '0x10', 0, -3, null]) {
      const error = errorOf({ 'kairos.jobstore_retry_interval': value });
      expect(error.message).toMatch(
        /^kairos\.jobstore_retry_interval: .* is not a number of seconds > 0$/,
      );
    }
  });

  it('caps maxSleepTime at the longest Node timer', () => {
    const error = errorOf({ maxSleepTime: 2147484 });
    expect(error.message).toBe(
      'maxSleepTime: 2147484 is not a number of seconds > 0 and ≤ 2147483 ' +
        '(the longest a Node timer waits)',
    );
    expect(errorOf({ 'kairos.max_sleep_time': '0' }).message).toContain(`'0' is not a number`);
  });

  it('reads misfire_grace_time as seconds > 0 or null, with none/null strings for null', () => {
    const grace = (value: unknown) =>
      parse({ 'kairos.job_defaults.misfire_grace_time': value }).jobDefaults?.misfireGraceTime;
    expect(grace('30')).toBe(30);
    expect(grace('0.5')).toBe(0.5);
    expect(grace(null)).toBeNull();
    expect(grace('none')).toBeNull();
    expect(grace(' None ')).toBeNull();
    expect(grace('NULL')).toBeNull();
    expect(parse({ jobDefaults: { misfireGraceTime: null } }).jobDefaults).toEqual({
      misfireGraceTime: null,
    });
    for (const value of ['-1', 'never', '', -0.1, '0', 0]) {
      const error = errorOf({ 'kairos.job_defaults.misfire_grace_time': value });
      expect(error.key).toBe('kairos.job_defaults.misfire_grace_time');
      expect(error.message).toContain(
        `is not a number of seconds > 0 (a run always starts a little after its time: 0 would ` +
          `find most runs missed), or null to always run (also 'none' or 'null' as a string)`,
      );
    }
  });
});

describe('parseConfig: other values', () => {
  it('checks time zones against the IANA database', () => {
    expect(parse({ timezone: 'America/New_York' }).timezone).toBe('America/New_York');
    expect(errorOf({ 'kairos.timezone': 'Mars/Olympus_Mons' }).message).toBe(
      `kairos.timezone: 'Mars/Olympus_Mons' is not a known IANA time zone ` +
        `(for example 'UTC', 'Europe/Paris', 'America/New_York')`,
    );
    expect(errorOf({ timezone: 42 }).message).toMatch(/^timezone: 42 is not a known IANA/);
  });

  it('checks loggers, clocks and tasks', () => {
    expect(errorOf({ logger: { info() {} } }).message).toContain(
      'logger: {} is not a logger: an object with debug, info, warn and error methods',
    );
    expect(errorOf({ clock: { now: () => 0 } }).message).toContain(
      'clock: {} is not a clock: an object with now() and setTimer() methods',
    );
    expect(errorOf({ tasks: { report: 'report' } }).message).toBe(
      `tasks.report: 'report' is not a function or a module reference ('./tasks.js#build'); ` +
        `tasks maps task names to tasks`,
    );
    expect(errorOf({ tasks: [] }).message).toBe(
      'tasks: [] is not an object of task functions by name',
    );
    expect(parse({ 'kairos.tasks.build': './tasks/report.js#build' }).tasks).toEqual({
      build: './tasks/report.js#build',
    });
  });

  it('cuts long values short in messages', () => {
    const message = errorOf({ timezone: 'x'.repeat(200) }).message;
    expect(message).toContain(`'${'x'.repeat(76)}...`);
    expect(message.length).toBeLessThan(200);
  });
});

describe('parseConfig: job stores and executors', () => {
  it('builds a request from a type and its options', () => {
    const config = parse({ 'kairos.executors.default': { type: 'async', max_workers: '20' } });
    const request = config.executors?.get('default');
    expect(request).toEqual({
      key: 'kairos.executors.default',
      type: 'async',
      options: { maxWorkers: 20 },
    });
    expect(isComponentRequest(request)).toBe(true);
    expect(Object.isFrozen(request)).toBe(true);
  });

  it('lets a deeper flat key set one option', () => {
    const config = parse({
      'kairos.executors.default': { type: 'async' },
      'kairos.executors.default.max_workers': '20',
      'kairos.executors.other.type': 'async',
    });
    expect(config.executors?.get('default')).toEqual({
      key: 'kairos.executors.default',
      type: 'async',
      options: { maxWorkers: 20 },
    });
    expect(config.executors?.get('other')).toEqual({
      key: 'kairos.executors.other',
      type: 'async',
      options: {},
    });
  });

  it('passes instances through', () => {
    const store = fakeStore();
    const executor = fakeExecutor();
    const config = parse({
      jobstores: { default: store },
      'kairos.executors.default': executor,
    });
    expect(config.jobstores?.get('default')).toBe(store);
    expect(config.executors?.get('default')).toBe(executor);
    expect(isComponentRequest(store)).toBe(false);
  });

  it('tells requests from look-alikes', () => {
    const lookAlike: ComponentRequest = {
      key: 'jobstores.default',
      type: 'memory',
      options: {},
      keyOf: (name) => `jobstores.default.${name}`,
      spell: (name) => name,
    };
    expect(isComponentRequest(lookAlike)).toBe(false);
    expect(isComponentRequest(null)).toBe(false);
    expect(isComponentRequest('jobstores.default')).toBe(false);
  });

  it('builds a request from a class, with options camelCased but not parsed', () => {
    class MyStore {
      constructor(readonly options: Record<string, unknown>) {}
    }
    const config = parse({
      'kairos.jobstores.custom': { class: MyStore, table_name: 'jobs' },
      'kairos.jobstores.custom.pool_size': '5',
    });
    const request = config.jobstores?.get('custom');
    expect(request).toEqual({
      key: 'kairos.jobstores.custom',
      ctor: MyStore,
      options: { tableName: 'jobs', poolSize: '5' },
    });
    expect(isComponentRequest(request)).toBe(true);
    expect(errorOf({ jobstores: { custom: { class: 'MyStore' } } }).message).toBe(
      `jobstores.custom.class: 'MyStore' is not a constructor (class takes a class, e.g. {class: MyStore})`,
    );
  });

  it('keeps options as written when the plugin has no schema', () => {
    expect(parse({ executors: { default: { type: 'plain', pool_size: '3' } } }).executors).toEqual(
      new Map([
        ['default', { key: 'executors.default', type: 'plain', options: { poolSize: '3' } }],
      ]),
    );
  });

  it('needs exactly one of type and class, listing the known types', () => {
    expect(errorOf({ 'kairos.jobstores.default': { url: 'x' } }).message).toBe(
      'kairos.jobstores.default: has neither type nor class; give type, the alias of a ' +
        'registered job store (known types: memory, sqlite), or class, a constructor',
    );
    const error = errorOf({ executors: { default: { type: 'async', class: class {} } } });
    expect(error.key).toBe('executors.default');
    expect(error.message).toContain('has both type and class');
    expect(error.message).toContain('known types: async, plain');
    expect(errorOf({ jobstores: { default: { type: '' } } }).message).toBe(
      `jobstores.default.type: '' is not a job store type; known types: memory, sqlite`,
    );
  });

  it('rejects values that are neither instances nor specs', () => {
    expect(errorOf({ jobstores: { default: 'memory' } }).message).toBe(
      `jobstores.default: 'memory' is not a job store: give an instance (an object with a ` +
        `claimDueJobs method) or a spec, {type: '<alias>', ...options} or {class: SomeClass, ...options}`,
    );
    expect(errorOf({ executors: 'async' }).message).toBe(
      `executors: 'async' is not an object of executors by alias`,
    );
  });

  it('passes the registry error for an unknown type', () => {
    const error = errorOf({ 'kairos.jobstores.default': { type: 'redis' } });
    expect(error.key).toBe('kairos.jobstores.default');
    expect(error.message).toContain(
      `'redis' is not a known job store type; known types: memory, sqlite`,
    );
  });

  it('says which package to install for a type whose package is missing', () => {
    const error = errorOf({ 'kairos.jobstores.default': { type: 'sqlite', url: 'sqlite://x' } });
    expect(error.message).toBe(
      `kairos.jobstores.default: type 'sqlite' needs @kairos/store-sqlite, which is not ` +
        `installed; install it with 'npm install @kairos/store-sqlite'`,
    );
  });

  it('rejects unknown options with the full key and the allowed ones', () => {
    const flat = errorOf({ 'kairos.executors.default': { type: 'async', max_worker: 3 } });
    expect(flat.key).toBe('kairos.executors.default.max_worker');
    expect(flat.message).toBe(
      `kairos.executors.default.max_worker: unknown key for executor type 'async' ` +
        `(did you mean max_workers?); ` +
        `allowed keys: type, max_workers`,
    );
    expect(errorOf({ executors: { default: { type: 'async', maxWorker: 3 } } }).message).toBe(
      `executors.default.maxWorker: unknown key for executor type 'async' ` +
        `(did you mean maxWorkers?); ` +
        `allowed keys: type, maxWorkers`,
    );
    expect(errorOf({ 'kairos.jobstores.default': { type: 'memory', path: '/tmp' } }).message).toBe(
      `kairos.jobstores.default.path: unknown key for job store type 'memory'; allowed keys: type`,
    );
  });

  it('rejects bad option values with the key as written and the value', () => {
    const error = errorOf({
      'kairos.executors.default.type': 'async',
      'kairos.executors.default.max_workers': '0',
    });
    expect(error.key).toBe('kairos.executors.default.max_workers');
    expect(error.message).toMatch(
      /^kairos\.executors\.default\.max_workers: '0' is not valid for executor type 'async': /,
    );
    expect(
      errorOf({ executors: { default: { type: 'async', maxWorkers: 'lots' } } }).message,
    ).toMatch(/^executors\.default\.maxWorkers: 'lots' is not valid for executor type 'async'/);
  });
});

describe('parseConfig: keys', () => {
  it('rejects unknown job_defaults keys, listing the allowed ones', () => {
    expect(errorOf({ 'kairos.job_defaults.colesce': 'true' }).message).toBe(
      'kairos.job_defaults.colesce: unknown key (did you mean coalesce?); ' +
        'allowed keys: coalesce, misfire_grace_time, max_instances',
    );
    expect(errorOf({ jobDefaults: { colesce: true } }).message).toBe(
      'jobDefaults.colesce: unknown key (did you mean coalesce?); ' +
        'allowed keys: coalesce, misfireGraceTime, maxInstances',
    );
    expect(errorOf({ jobDefaults: 'fast' }).message).toBe(
      `jobDefaults: 'fast' is not an object of job defaults (coalesce, misfireGraceTime, maxInstances)`,
    );
  });

  it('rejects unknown top-level keys, listing the allowed ones', () => {
    expect(errorOf({ 'kairos.jobstore': {} }).message).toBe(
      'kairos.jobstore: unknown key (did you mean jobstores?); allowed keys: timezone, ' +
        'jobstores, executors, job_defaults, ' +
        'jobstore_retry_interval, max_sleep_time, daemon, logger, clock, tasks, task_modules, commands, ' +
        'scheduler_id, lease_seconds, history',
    );
    expect(errorOf({ jobStores: {} }).message).toBe(
      'jobStores: unknown key (did you mean jobstores?); allowed keys: timezone, jobstores, ' +
        'executors, jobDefaults, jobstoreRetryInterval, maxSleepTime, daemon, logger, clock, tasks, taskModules, commands, ' +
        'schedulerId, leaseSeconds, history',
    );
    const deep = errorOf({ 'kairos.jobdefaults.coalesce': 'true' });
    expect(deep.key).toBe('kairos.jobdefaults.coalesce');
    expect(deep.message).toContain(`unknown key 'jobdefaults' (did you mean job_defaults?)`);
  });

  it('rejects dotted keys without the prefix', () => {
    expect(errorOf({ 'apscheduler.timezone': 'UTC' }).message).toBe(
      `apscheduler.timezone: unknown key; flat keys start with 'kairos.' (e.g. 'kairos.timezone'), ` +
        `nested settings have no dot (e.g. {jobDefaults: {coalesce: false}})`,
    );
  });

  it('rejects flat keys with empty parts or parts below a single value', () => {
    expect(errorOf({ 'kairos.job_defaults.': 'x' }).message).toContain(
      `kairos.job_defaults.: has an empty part`,
    );
    expect(errorOf({ 'kairos.': 'x' }).key).toBe('kairos.');
    expect(errorOf({ 'kairos.timezone.name': 'UTC' }).message).toBe(
      `kairos.timezone.name: 'timezone' takes a single value, not sub-keys; set kairos.timezone itself`,
    );
    expect(errorOf({ 'kairos.executors.default.pool.size': 3 }).key).toBe(
      'kairos.executors.default.pool.size',
    );
  });

  it('rejects two spellings of one setting, naming both keys', () => {
    const mixed = errorOf({
      jobDefaults: { coalesce: true },
      'kairos.job_defaults.coalesce': 'false',
    });
    expect(mixed.key).toBe('kairos.job_defaults.coalesce');
    expect(mixed.message).toBe(
      'kairos.job_defaults.coalesce: same setting as jobDefaults.coalesce; set it once ' +
        '(flat and nested keys, snake_case and camelCase spellings name the same settings)',
    );
    const cases = errorOf({ max_sleep_time: 1, maxSleepTime: 2 });
    expect(cases.message).toMatch(/^maxSleepTime: same setting as max_sleep_time;/);
    const option = errorOf({
      'kairos.executors.default': { type: 'async', max_workers: 2 },
      'kairos.executors.default.maxWorkers': 3,
    });
    expect(option.message).toMatch(
      /^kairos\.executors\.default\.maxWorkers: same setting as kairos\.executors\.default\.max_workers;/,
    );
    const sameSpelling = errorOf({
      'kairos.jobstores.default.type': 'sqlite',
      'kairos.jobstores.default': { type: 'sqlite' },
    });
    expect(sameSpelling.message).toMatch(
      /^kairos\.jobstores\.default\.type: set twice, as a flat key and inside the object of a key above it;/,
    );
    const spec = errorOf({
      jobstores: { default: { type: 'memory' } },
      'kairos.jobstores.default': { type: 'memory' },
    });
    expect(spec.message).toMatch(
      /^kairos\.jobstores\.default\.type: same setting as jobstores\.default\.type;/,
    );
    const instance = errorOf({
      jobstores: { default: fakeStore() },
      'kairos.jobstores.default.type': 'memory',
    });
    expect(instance.message).toMatch(
      /^kairos\.jobstores\.default\.type: same setting as jobstores\.default;/,
    );
    const task = () => 1;
    expect(errorOf({ tasks: { a: task }, 'kairos.tasks.a': task }).message).toMatch(
      /^kairos\.tasks\.a: same setting as tasks\.a;/,
    );
  });
});

describe('parseConfig: suggestions and wording', () => {
  it('suggests the nearest key by edit distance, spelt as the key was', () => {
    expect(errorOf({ jobDefaults: { misfireGrace: 3 } }).message).toContain(
      'jobDefaults.misfireGrace: unknown key (did you mean misfireGraceTime?)',
    );
    expect(errorOf({ 'kairos.job_defaults.max_instance': '2' }).message).toContain(
      'unknown key (did you mean max_instances?)',
    );
    expect(errorOf({ 'kairos.max_sleep': '2' }).message).toContain(
      'unknown key (did you mean max_sleep_time?)',
    );
    expect(errorOf({ bogus: 1 }).message).toMatch(/^bogus: unknown key; allowed keys: /);
  });

  it("words a plugin schema's own issues in Kairos terms, not zod's", () => {
    const error = errorOf({ executors: { default: { type: 'async', maxWorkers: 0 } } });
    expect(error.message).toBe(
      `executors.default.maxWorkers: 0 is not valid for executor type 'async': must be ≥ 1`,
    );
    // The test registry's async schema has no messages of its own.
    expect(errorOf({ executors: { default: { type: 'async', maxWorkers: 'lots' } } }).message).toBe(
      `executors.default.maxWorkers: 'lots' is not valid for executor type 'async': must be a number`,
    );
  });
});

describe('parseConfig: prefixes', () => {
  it('reads flat keys under another prefix', () => {
    expect(
      parse(
        { 'myapp.scheduler.timezone': 'UTC', 'myapp.scheduler.daemon': 'yes' },
        'myapp.scheduler.',
      ),
    ).toEqual({ timezone: 'UTC', daemon: true });
    expect(errorOf({ 'kairos.timezone': 'UTC' }, 'myapp.scheduler.').message).toContain(
      `flat keys start with 'myapp.scheduler.'`,
    );
  });

  it('adds the final dot a prefix lacks', () => {
    expect(parse({ 'app.job_defaults.max_instances': '2' }, 'app')).toEqual({
      jobDefaults: { maxInstances: 2 },
    });
  });

  it('reads every key as flat with an empty prefix', () => {
    expect(parse({ timezone: 'UTC', 'job_defaults.coalesce': 'off' }, '')).toEqual({
      timezone: 'UTC',
      jobDefaults: { coalesce: false },
    });
  });
});
