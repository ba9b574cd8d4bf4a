import {
  CronTrigger,
  IntervalTrigger,
  OrTrigger,
  triggerFromSpec,
  type Trigger,
} from '@kairos/triggers';
import { describe, expect, it } from 'vitest';
import { SerializationError } from '../src/errors.js';
import type { JobHost, JobState, Task } from '../src/interfaces.js';
import { Job, type JobFields } from '../src/job.js';
import {
  decodeArgs,
  encodeArgs,
  exportDocument,
  parseJobsExport,
  restoreJobFields,
  serializeJob,
} from '../src/serialize.js';

const WHERE = 'job "report" (id abc)';
const ADVICE =
  'pass JSON-representable arguments: strings, numbers, booleans, null, arrays, plain objects, Dates, BigInts';

function refuse(): never {
  throw new Error('the host is not used by serialisation');
}

const host: JobHost = {
  modifyJob: refuse,
  rescheduleJob: refuse,
  pauseJob: refuse,
  resumeJob: refuse,
  removeJob: refuse,
  runJob: refuse,
};

function makeJob(fields: Partial<JobFields> = {}): Job {
  return new Job(
    {
      id: 'abc',
      name: 'report',
      task: 'build-report',
      args: [],
      trigger: new CronTrigger({ hour: 3, timezone: 'UTC' }),
      executor: 'default',
      jobstore: 'default',
      misfireGraceTime: 1,
      coalesce: true,
      maxInstances: 1,
      timeout: null,
      nextRunTimeMs: Date.UTC(2030, 0, 1, 3),
      ...fields,
    },
    host,
  );
}

const noNames = (): undefined => undefined;
const fromSpec = (spec: JobState['trigger']): Trigger => triggerFromSpec(spec);

function validState(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...serializeJob(makeJob(), noNames), ...changes };
}

/** Encodes, sends through JSON text as a store would, and decodes. */
function roundTrip(args: unknown[]): unknown[] {
  return decodeArgs(JSON.parse(JSON.stringify(encodeArgs(args, WHERE))) as unknown[]);
}

function serializationMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    return (error as Error).message;
  }
  throw new Error('expected a SerializationError');
}

/** The first `count` fire times of a trigger from `now`. */
function fireTimes(trigger: Trigger, now: Date, count = 6): (number | null)[] {
  const times: (number | null)[] = [];
  let previous: Date | null = null;
  let current = now;
  for (let i = 0; i < count; i++) {
    const next = trigger.getNextFireTime(previous, current);
    times.push(next === null ? null : next.getTime());
    if (next === null) break;
    previous = next;
    current = next;
  }
  return times;
}

describe('encodeArgs and decodeArgs', () => {
  it('keeps JSON values as they are', () => {
    const args = [null, true, false, 'text', 0, -1.5, [1, [2]], { a: { b: 'c' } }];
    expect(encodeArgs(args, WHERE)).toEqual(args);
    expect(roundTrip(args)).toEqual(args);
  });

  it('tags nested Dates and BigInts and decodes them back', () => {
    const when = new Date('2030-01-01T03:00:00.000Z');
    const args = [when, { at: [when, 12345678901234567890n] }, -7n];
    expect(encodeArgs(args, WHERE)).toEqual([
      { $date: '2030-01-01T03:00:00.000Z' },
      { at: [{ $date: '2030-01-01T03:00:00.000Z' }, { $bigint: '12345678901234567890' }] },
      { $bigint: '-7' },
    ]);
    const decoded = roundTrip(args);
    expect(decoded).toEqual(args);
    expect(decoded[0]).toBeInstanceOf(Date);
    expect(typeof decoded[2]).toBe('bigint');
  });

  it('wraps objects that look like tags so they come back as they were', () => {
    const args = [
      { $date: 'not a date' },
      { $object: { x: 1 } },
      { nested: { $bigint: 'many' } },
      { $price: new Date(0) },
      { $date: 'x', other: 1 },
    ];
    const encoded = encodeArgs(args, WHERE);
    expect(encoded[0]).toEqual({ $object: { $date: 'not a date' } });
    expect(encoded[1]).toEqual({ $object: { $object: { x: 1 } } });
    expect(encoded[3]).toEqual({ $object: { $price: { $date: '1970-01-01T00:00:00.000Z' } } });
    expect(encoded[4]).toEqual({ $date: 'x', other: 1 });
    expect(roundTrip(args)).toEqual(args);
  });

  it('accepts objects without a prototype and keeps an own __proto__ key as data', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const withProtoKey = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const [decodedBare, decodedProtoKey] = roundTrip([bare, withProtoKey]) as object[];
    expect(decodedBare).toEqual({ a: 1 });
    expect(Object.keys(decodedProtoKey ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(decodedProtoKey)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { n: 1 };
    expect(roundTrip([shared, [shared, shared]])).toEqual([{ n: 1 }, [{ n: 1 }, { n: 1 }]]);
  });

  class Report {}
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = { back: cyclic };
  const holey: unknown[] = [1];
  holey[2] = 3;

  it.each<[string, unknown[], string, string]>([
    ['undefined', [1, undefined], 'args[1]', 'undefined'],
    [
      'a function',
      [1, { when: { at: function build() {} } }],
      'args[1].when.at',
      'a function (build)',
    ],
    ['an anonymous function', [[() => 1]], 'args[0][0]', 'a function (anonymous)'],
    ['a symbol', [{ s: Symbol('tag') }], 'args[0].s', 'a symbol (Symbol(tag))'],
    ['NaN', [[0, Number.NaN]], 'args[0][1]', 'NaN'],
    ['Infinity', [{ limit: Infinity }], 'args[0].limit', 'Infinity'],
    ['-Infinity', [-Infinity], 'args[0]', '-Infinity'],
    ['a Map', [new Map([[1, 2]])], 'args[0]', 'an instance of Map'],
    ['a Set', [{ tags: new Set(['a']) }], 'args[0].tags', 'an instance of Set'],
    [
      'a class instance',
      [{ 'the report': new Report() }],
      'args[0]["the report"]',
      'an instance of Report',
    ],
    ['an invalid Date', [{ at: new Date('nope') }], 'args[0].at', 'an invalid Date'],
    ['a cycle', [cyclic], 'args[0].self.back', 'a circular reference to args[0]'],
    ['a hole in an array', [holey], 'args[0][1]', 'undefined'],
    ['a symbol key', [{ [Symbol('k')]: 1 }], 'args[0]', 'an object with a symbol key (Symbol(k))'],
  ])('rejects %s, naming the job, its path and what it is', (_kind, args, path, what) => {
    const message = serializationMessage(() => encodeArgs(args, WHERE));
    expect(message).toBe(`${WHERE}: ${path} is ${what}, which cannot be stored as JSON; ${ADVICE}`);
  });

  it('rejects arguments that are not an array', () => {
    const message = serializationMessage(() => encodeArgs('abc' as unknown as unknown[], WHERE));
    expect(message).toBe(`${WHERE}: args must be an array, got 'abc'`);
  });

  it('keeps the contents of an $object wrapper as data', () => {
    expect(decodeArgs([{ $object: { $date: 'x' } }])).toEqual([{ $date: 'x' }]);
  });

  it.each<[string, unknown, string]>([
    ['a $date that is not a date', { when: { $date: 'soon' } }, `args[0].when: {"$date":"soon"}`],
    ['a $bigint that is not an integer', [{ $bigint: '1.5' }], 'args[0][0]: {"$bigint":"1.5"}'],
    ['a $bigint that is not a string', { $bigint: 15 }, 'args[0]: {"$bigint":15}'],
    ['an $object that is not an object', { $object: [1] }, 'args[0]: {"$object":[1]}'],
  ])('rejects %s with its path', (_kind, arg, start) => {
    const message = serializationMessage(() => decodeArgs([arg], WHERE));
    expect(message).toContain(`${WHERE}: ${start} is not a valid`);
  });

  it('rejects an unknown tag', () => {
    const message = serializationMessage(() => decodeArgs([1, { $regexp: 'a+' }]));
    expect(message).toBe(
      "stored arguments: args[1] has the unknown tag '$regexp' (known: $date, $bigint, $object); " +
        'it was not written by this version of Kairos',
    );
  });
});

describe('serializeJob', () => {
  it('keeps a string task and stores every field', () => {
    const job = makeJob({
      task: './tasks.js#build',
      args: ['daily', new Date(0)],
      misfireGraceTime: null,
      coalesce: false,
      maxInstances: 3,
      timeout: 30,
    });
    expect(serializeJob(job, noNames)).toEqual({
      version: 1,
      id: 'abc',
      name: 'report',
      task: './tasks.js#build',
      args: ['daily', { $date: '1970-01-01T00:00:00.000Z' }],
      trigger: { type: 'cron', hour: '3', timezone: 'UTC' },
      executor: 'default',
      misfireGraceTime: null,
      coalesce: false,
      maxInstances: 3,
      timeout: 30,
      nextRunTime: Date.UTC(2030, 0, 1, 3),
    });
  });

  it('stores a registered function task by its name', () => {
    function buildReport(): void {}
    const seen: Task[] = [];
    const taskName = (task: Task): string | undefined => {
      seen.push(task);
      return task === buildReport ? 'build-report' : undefined;
    };
    expect(serializeJob(makeJob({ task: buildReport }), taskName).task).toBe('build-report');
    expect(seen).toEqual([buildReport]);
  });

  it('refuses an unregistered function task, saying how to register it', () => {
    function buildReport(): void {}
    const message = serializationMessage(() =>
      serializeJob(makeJob({ task: buildReport }), noNames),
    );
    expect(message).toBe(
      `job "report" (id abc): its task is a function (buildReport), which cannot be stored; ` +
        `register it with scheduler.registerTask('buildReport', fn) and pass the name, ` +
        `or pass a module reference such as './tasks.js#buildReport'`,
    );
  });

  it('suggests the job name for an anonymous function task', () => {
    const tasks = [(): void => {}];
    const message = serializationMessage(() => serializeJob(makeJob({ task: tasks[0] }), noNames));
    expect(message).toContain('its task is a function (anonymous)');
    expect(message).toContain("scheduler.registerTask('report', fn)");
  });

  it('names the job when an argument cannot be stored', () => {
    const message = serializationMessage(() =>
      serializeJob(makeJob({ args: [new Map()] }), noNames),
    );
    expect(message).toMatch(/^job "report" \(id abc\): args\[0\] is an instance of Map/);
  });

  it('refuses a trigger without toJSON', () => {
    const trigger = {
      type: 'cron',
      getNextFireTime: () => null,
      toString: () => 'custom[]',
    } as unknown as Trigger;
    const message = serializationMessage(() => serializeJob(makeJob({ trigger }), noNames));
    expect(message).toBe(
      'job "report" (id abc): its trigger custom[] has no toJSON() method, so it cannot be ' +
        'stored; give it a toJSON() returning a spec that triggerFromSpec can rebuild',
    );
  });

  it('refuses a trigger whose toJSON fails', () => {
    const foreign = { getNextFireTime: () => null, toString: () => 'foreign[]' } as unknown;
    const trigger = new OrTrigger({
      triggers: [new CronTrigger({ hour: 3, timezone: 'UTC' }), foreign as Trigger],
    });
    const message = serializationMessage(() => serializeJob(makeJob({ trigger }), noNames));
    expect(message).toMatch(
      /^job "report" \(id abc\): its trigger or\[cron\[hour='3'\], foreign\[\]\] cannot be turned into a spec: /,
    );
  });
});

describe('restoreJobFields', () => {
  const start = '2030-01-01T00:00:00Z';
  const triggers: [string, Trigger][] = [
    ['cron', new CronTrigger({ hour: 3, timezone: 'UTC' })],
    [
      'interval',
      new IntervalTrigger({ minutes: 5, startDate: start, timezone: 'Europe/Paris', jitter: null }),
    ],
    [
      'or',
      new OrTrigger({
        triggers: [
          new CronTrigger({
            dayOfWeek: 'mon-fri',
            hour: 9,
            minute: 30,
            timezone: 'America/New_York',
          }),
          new IntervalTrigger({ hours: 7, startDate: start, timezone: 'UTC' }),
        ],
      }),
    ],
  ];

  it.each(triggers)('restores a job with a %s trigger through JSON', (_type, trigger) => {
    function buildReport(): void {}
    const original = makeJob({
      task: buildReport,
      trigger,
      args: [{ at: new Date(start), count: 2n, $meta: 'x' }],
      timeout: 12.5,
    });
    const state = JSON.parse(
      JSON.stringify(serializeJob(original, () => 'build-report')),
    ) as JobState;
    const restored = new Job(restoreJobFields(state, 'sqlite', fromSpec), host);

    expect(restored.trigger).not.toBe(trigger);
    expect(restored.trigger.toJSON()).toEqual(trigger.toJSON());
    const now = new Date('2030-03-30T12:00:00Z');
    expect(fireTimes(restored.trigger, now)).toEqual(fireTimes(trigger, now));
    expect({ ...restored, trigger: null }).toEqual({
      ...original,
      task: 'build-report',
      jobstore: 'sqlite',
      trigger: null,
    });
    expect(restored.args).toEqual(original.args);
    expect(restored.nextRunTimeMs).toBe(original.nextRunTimeMs);
  });

  it('restores a paused job', () => {
    const state = serializeJob(makeJob({ nextRunTimeMs: null }), noNames);
    expect(restoreJobFields(state, 'default', fromSpec).nextRunTimeMs).toBeNull();
  });

  it('drops keys a store added beside the fields', () => {
    const state = validState({ _id: 'mongo-object-id' }) as unknown as JobState;
    expect(restoreJobFields(state, 'default', fromSpec)).not.toHaveProperty('_id');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a newer version', { version: 2 }, 'version: expected 1 (the only job format version'],
    [
      'a missing task',
      { task: undefined },
      'task: expected a task name, a module reference or a command ({command} or {argv}), got undefined',
    ],
    [
      'an empty task',
      { task: '' },
      "task: expected a task name, a module reference or a command ({command} or {argv}), got ''",
    ],
    ['zero maxInstances', { maxInstances: 0 }, 'maxInstances: expected an integer ≥ 1, got 0'],
    [
      'fractional maxInstances',
      { maxInstances: 1.5 },
      'maxInstances: expected an integer ≥ 1, got 1.5',
    ],
    ['a string coalesce', { coalesce: 'yes' }, "coalesce: expected a boolean, got 'yes'"],
    ['args that are not an array', { args: { a: 1 } }, 'args: expected an array, got {"a":1}'],
    [
      'a trigger without a type',
      { trigger: { hour: 3 } },
      'trigger.type: missing, expected a trigger type',
    ],
    [
      'a negative timeout',
      { timeout: -1 },
      'timeout: expected a number of seconds ≥ 0, or null, got -1',
    ],
    [
      'a text nextRunTime',
      { nextRunTime: 'soon' },
      "nextRunTime: expected epoch milliseconds, or null, got 'soon'",
    ],
  ])('rejects a state with %s, naming the job and the field', (_kind, changes, problem) => {
    const state = validState(changes) as unknown as JobState;
    const message = serializationMessage(() => restoreJobFields(state, 'redis', fromSpec));
    expect(message).toContain(
      `stored job (id 'abc') in job store 'redis' cannot be restored: ${problem}`,
    );
  });

  it('rejects something that is not a job state at all', () => {
    const message = serializationMessage(() =>
      restoreJobFields(42 as unknown as JobState, 'redis', fromSpec),
    );
    expect(message).toBe(
      "stored job (id undefined) in job store 'redis' cannot be restored: expected a job state object, got 42",
    );
  });

  it('names the job when its trigger cannot be rebuilt', () => {
    const state = validState({ trigger: { type: 'cron', hour: 25 } }) as unknown as JobState;
    const message = serializationMessage(() => restoreJobFields(state, 'redis', fromSpec));
    expect(message).toMatch(
      /^job "report" \(id abc\) in job store 'redis': its stored trigger \{"type":"cron","hour":25\} cannot be rebuilt: /,
    );
  });

  it('names the job when an argument tag is damaged', () => {
    const state = validState({ args: [{ $date: 'later' }] }) as unknown as JobState;
    const message = serializationMessage(() => restoreJobFields(state, 'redis', fromSpec));
    expect(message).toMatch(/^job "report" \(id abc\) in job store 'redis': args\[0\]: /);
  });
});

describe('export documents', () => {
  const states = [
    serializeJob(makeJob({ args: [new Date(0), 5n] }), noNames),
    serializeJob(makeJob({ id: 'def', name: 'cleanup', nextRunTimeMs: null }), noNames),
  ];

  it('writes a versioned document', () => {
    expect(exportDocument(states, Date.UTC(2030, 0, 1))).toEqual({
      format: 'kairos-jobs',
      version: 1,
      exportedAt: '2030-01-01T00:00:00.000Z',
      jobs: states,
    });
  });

  it('reads back what it wrote, as JSON text or as the parsed object', () => {
    const text = JSON.stringify(exportDocument(states, Date.UTC(2030, 0, 1)), null, 2);
    expect(parseJobsExport(text)).toEqual(states);
    expect(parseJobsExport(JSON.parse(text))).toEqual(states);
    const restored = parseJobsExport(text).map((state) =>
      restoreJobFields(state, 'default', fromSpec),
    );
    expect(restored[0]?.args).toEqual([new Date(0), 5n]);
  });

  it('quotes JSON.parse when the text is not JSON', () => {
    let parseMessage = '';
    try {
      JSON.parse('{"format": ');
    } catch (error) {
      parseMessage = (error as Error).message;
    }
    const message = serializationMessage(() => parseJobsExport('{"format": '));
    expect(message).toBe(`Invalid Kairos jobs export: the text is not JSON (${parseMessage})`);
  });

  const document = (changes: Record<string, unknown>): Record<string, unknown> => ({
    ...exportDocument(states, 0),
    ...changes,
  });

  it.each<[string, unknown, string]>([
    [
      'not an object',
      [],
      "expected a Kairos jobs export {format: 'kairos-jobs', version: 1, exportedAt, jobs}, got []",
    ],
    [
      'another format',
      document({ format: 'apscheduler' }),
      "format: expected 'kairos-jobs', got 'apscheduler'",
    ],
    [
      'a newer version',
      document({ version: 2 }),
      'version: expected 1 (the only export format version this Kairos reads), got 2',
    ],
    ['no jobs', document({ jobs: undefined }), 'jobs: missing, expected an array of job states'],
    [
      'a job that is not an object',
      document({ jobs: [states[0], 'job'] }),
      "jobs[1]: expected a job state object, got 'job'",
    ],
    [
      'a bad field of a job',
      document({ jobs: [states[0], states[1], states[0], { ...states[1], maxInstances: 0 }] }),
      'jobs[3].maxInstances: expected an integer ≥ 1, got 0',
    ],
  ])('rejects a document with %s, saying what and where', (_kind, input, problem) => {
    expect(serializationMessage(() => parseJobsExport(input))).toBe(
      `Invalid Kairos jobs export: ${problem}`,
    );
  });

  it('lists the first three problems and counts the rest', () => {
    const input = document({ format: 'x', version: 0, exportedAt: 1, jobs: 'none' });
    const message = serializationMessage(() => parseJobsExport(input));
    expect(message).toMatch(
      /^Invalid Kairos jobs export: format: .*; version: .*; exportedAt: .*; and 1 more$/,
    );
  });
});
