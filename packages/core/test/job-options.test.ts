import { IntervalTrigger } from '@kairos/triggers';
import { describe, expect, it, vi } from 'vitest';
import { BackgroundScheduler } from '../src/background.js';
import { FakeClock } from '../src/clock.js';
import { JobOptionError } from '../src/errors.js';
import type { AddJobOptions, TriggerInput } from '../src/interfaces.js';
import {
  checkAddJobOptions,
  checkJobChanges,
  checkTriggerSpecHasNoJobOptions,
  normalizeAddJobArguments,
} from '../src/job-options.js';

const JOB = 'addJob(report)';

/** The JobOptionError `fn` throws. */
function optionError(fn: () => unknown): JobOptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JobOptionError);
    return error as JobOptionError;
  }
  throw new Error('expected a JobOptionError, nothing was thrown');
}

/** A trigger argument the types would refuse, as JavaScript callers can pass it. */
const untyped = (value: object): TriggerInput => value as TriggerInput;

/** Options the types would refuse (snake_case, strings), as a configuration file gives them. */
const untypedOptions = (value: object): AddJobOptions => value;

const addError = (options: unknown) => optionError(() => checkAddJobOptions(options, JOB));

// zod's own wording, which must never reach a user.
const ZOD_TEXT =
  /Invalid input|Too small|Too big|Unrecognized key|Invalid option|expected \w+, received/;

describe('checkAddJobOptions: values read as the configuration dictionary reads them', () => {
  it('coerces numeric and boolean strings', () => {
    expect(
      checkAddJobOptions(
        {
          maxInstances: '2',
          coalesce: 'false',
          misfireGraceTime: '30',
          timeout: '30',
          replaceExisting: 'yes',
        },
        JOB,
      ),
    ).toEqual({
      maxInstances: 2,
      coalesce: false,
      misfireGraceTime: 30,
      timeout: 30,
      replaceExisting: true,
    });
    expect(checkAddJobOptions({ misfireGraceTime: 'none', timeout: 'null' }, JOB)).toEqual({
      misfireGraceTime: null,
      timeout: null,
    });
    expect(checkAddJobOptions({ misfireGraceTime: null, timeout: null }, JOB)).toEqual({
      misfireGraceTime: null,
      timeout: null,
    });
  });

  it('passes the other options through and reads undefined as absent', () => {
    const args = [1, 'two'];
    const next = new Date(0);
    expect(
      checkAddJobOptions(
        { id: 'r', name: 'Report', args, nextRunTime: next, jobstore: 'db', executor: 'pool' },
        JOB,
      ),
    ).toEqual({
      id: 'r',
      name: 'Report',
      args,
      nextRunTime: next,
      jobstore: 'db',
      executor: 'pool',
    });
    expect(checkAddJobOptions(undefined, JOB)).toEqual({});
    expect(checkAddJobOptions({ id: undefined, maxInstances: undefined }, JOB)).toEqual({});
  });

  it('returns equal options when checking its own result again', () => {
    const once = checkAddJobOptions({ max_instances: '3', coalesce: 'off', timeout: '1.5' }, JOB);
    expect(checkAddJobOptions(once, JOB)).toEqual(once);
  });

  it('words every bad value in Kairos terms, naming the job, the option and the value', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ maxInstances: '2.5' }, `maxInstances: '2.5' is not an integer ≥ 1`],
      [{ maxInstances: 'two' }, `maxInstances: 'two' is not an integer ≥ 1`],
      [{ maxInstances: 0 }, 'maxInstances: 0 is not an integer ≥ 1'],
      [{ coalesce: 'maybe' }, `coalesce: 'maybe' is not a boolean; use true/false`],
      [{ coalesce: 1 }, 'coalesce: 1 is not a boolean'],
      [{ misfireGraceTime: '-1' }, `misfireGraceTime: '-1' is not a number of seconds > 0`],
      [{ misfireGraceTime: 'soon' }, `misfireGraceTime: 'soon' is not a number of seconds > 0`],
      [
        { misfireGraceTime: 0 },
        'misfireGraceTime: 0 is not a number of seconds > 0 (a run always starts a little ' +
          'after its time: 0 would find most runs missed), or null to always run',
      ],
      [{ timeout: 0 }, 'timeout: 0 is not a number of seconds > 0, or null for no limit'],
      [{ timeout: 'long' }, `timeout: 'long' is not a number of seconds > 0`],
      [{ replaceExisting: 'perhaps' }, `replaceExisting: 'perhaps' is not a boolean`],
      [{ args: 'x' }, `args: 'x' is not an array`],
      [{ id: '' }, 'id: must not be empty'],
      [{ id: '..' }, `id: '..' cannot be a job id (a URL path could not name the job)`],
      [{ id: '.' }, `id: '.' cannot be a job id`],
      [{ id: 5 }, 'id: 5 is not a string'],
      [{ name: null }, 'name: null is not a string'],
    ];
    for (const [options, text] of cases) {
      const error = addError(options);
      expect(error.message, JSON.stringify(options)).toContain(`${JOB}: ${text}`);
      expect(error.message).not.toMatch(ZOD_TEXT);
      expect(error.option).toBe(Object.keys(options)[0]);
      expect(error.value).toBe(Object.values(options)[0]);
    }
  });

  it('refuses values that are not options objects', () => {
    for (const value of [null, 5, 'id', [1], new IntervalTrigger({ seconds: 1 })]) {
      const error = addError(value);
      expect(error.option).toBe('options');
      expect(error.message).toContain('is not an options object');
    }
  });

  it('builds the job label only when it has something to report', () => {
    const label = vi.fn(() => 'addJob(lazy)');
    checkAddJobOptions({ maxInstances: 2 }, label);
    expect(label).not.toHaveBeenCalled();
    expect(() => checkAddJobOptions({ maxInstances: 0 }, label)).toThrow(/^addJob\(lazy\): /);
  });
});

describe('checkAddJobOptions: keys', () => {
  it('takes snake_case keys as the configuration dictionary does, naming them as written', () => {
    expect(
      checkAddJobOptions(
        {
          misfire_grace_time: '5',
          max_instances: '2',
          next_run_time: null,
          replace_existing: 'true',
        },
        JOB,
      ),
    ).toEqual({ misfireGraceTime: 5, maxInstances: 2, nextRunTime: null, replaceExisting: true });
    const error = addError({ max_instances: '0' });
    expect(error.option).toBe('max_instances');
    expect(error.message).toContain(`${JOB}: max_instances: '0' is not an integer ≥ 1`);
  });

  it('refuses two spellings of one option', () => {
    const error = addError({ maxInstances: 2, max_instances: 3 });
    expect(error.option).toBe('max_instances');
    expect(error.message).toContain('same option as maxInstances; give it once');
  });

  it('suggests the nearest option by edit distance', () => {
    for (const [written, meant] of [
      ['misfireGrace', 'misfireGraceTime'],
      ['maxInstance', 'maxInstances'],
      ['coalesc', 'coalesce'],
      ['max_instance', 'maxInstances'],
      ['replaceExist', 'replaceExisting'],
    ] as const) {
      const error = addError({ [written]: 1 });
      expect(error.option).toBe(written);
      expect(error.message).toContain(`${written}: unknown option (did you mean ${meant}?)`);
    }
    expect(addError({ bogus: 1 }).message).toContain(
      'bogus: unknown option; options are misfireGraceTime, coalesce, maxInstances, args, ' +
        'name, nextRunTime, executor, timeout, onAbandoned, maxRetries, id, jobstore, replaceExisting',
    );
  });

  it('says which keys are trigger fields and which are job options', () => {
    const error = addError({ id: 'x', seconds: 5 });
    expect(error.option).toBe('seconds');
    expect(error.value).toBe(5);
    expect(error.message).toBe(
      `${JOB}: seconds: is a trigger field, not a job option; trigger fields (seconds) go in ` +
        `the trigger and job options (id) in the options: ` +
        `addJob(task, {type: 'interval', seconds: 5}, {id: 'x'})`,
    );
    const cron = addError({ hour: 3, day_of_week: 'mon', maxInstances: 2 });
    expect(cron.message).toContain('are trigger fields, not a job option');
    expect(cron.message).toContain(
      `addJob(task, {type: 'cron', hour: 3, day_of_week: 'mon'}, {maxInstances: 2})`,
    );
  });
});

describe('checkTriggerSpecHasNoJobOptions', () => {
  it('says which keys of a trigger spec are job options and where they go', () => {
    const error = optionError(() =>
      checkTriggerSpecHasNoJobOptions(
        { type: 'interval', seconds: 5, id: 'x', maxInstances: 2 },
        JOB,
      ),
    );
    expect(error.option).toBe('id');
    expect(error.value).toBe('x');
    expect(error.message).toBe(
      `${JOB}: id: are job options inside the interval trigger spec; job options ` +
        `(id, maxInstances) go in the options and trigger fields (seconds) stay in the ` +
        `trigger: addJob(task, {type: 'interval', seconds: 5}, {id: 'x', maxInstances: 2})`,
    );
    expect(
      optionError(() =>
        checkTriggerSpecHasNoJobOptions({ type: 'cron', hour: 3, max_instances: 2 }, JOB),
      ).message,
    ).toContain('max_instances: is a job option inside the cron trigger spec');
  });

  it('lets trigger fields, instances, plugin types and non-specs pass', () => {
    const pass = [
      { type: 'cron', hour: 3, day_of_week: 'mon', timezone: 'UTC', jitter: 5 },
      { type: 'date', run_date: '2030-01-01' },
      { type: 'plugin', id: 'its own field' },
      new IntervalTrigger({ seconds: 1 }),
      null,
      'interval',
      { seconds: 5 },
    ];
    for (const spec of pass) expect(() => checkTriggerSpecHasNoJobOptions(spec, JOB)).not.toThrow();
  });
});

describe('checkJobChanges', () => {
  it('reads changes like addJob options', () => {
    expect(
      checkJobChanges({ max_instances: '4', coalesce: 'no', trigger: { type: 'interval' } }, JOB),
    ).toEqual({ maxInstances: 4, coalesce: false, trigger: { type: 'interval' } });
  });

  it('refuses an id, addJob-only options and job options inside a new trigger', () => {
    expect(() => checkJobChanges({ id: 'other' }, 'job x')).toThrow(
      'job x: id: a job id cannot change',
    );
    expect(optionError(() => checkJobChanges({ replaceExisting: true }, JOB)).message).toContain(
      'unknown option',
    );
    expect(
      optionError(() =>
        checkJobChanges({ trigger: { type: 'interval', seconds: 5, coalesce: false } }, JOB),
      ).message,
    ).toContain('coalesce: is a job option inside the interval trigger spec');
    expect(optionError(() => checkJobChanges({ seconds: 30 }, JOB)).message).toContain(
      `modifyJob(id, {trigger: {type: 'interval', seconds: 30}})`,
    );
  });
});

describe('normalizeAddJobArguments', () => {
  it("reads APScheduler's call shape: an alias, its fields, then the options", () => {
    expect(normalizeAddJobArguments('interval', { seconds: 5 }, { id: 'x' }, JOB)).toEqual({
      trigger: { type: 'interval', seconds: 5 },
      options: { id: 'x' },
    });
    expect(normalizeAddJobArguments('cron', { day_of_week: 'mon' }, undefined, JOB)).toEqual({
      trigger: { type: 'cron', day_of_week: 'mon' },
      options: {},
    });
    expect(normalizeAddJobArguments('date', undefined, undefined, JOB)).toEqual({
      trigger: { type: 'date' },
      options: {},
    });
    expect(normalizeAddJobArguments('date', null, { max_instances: '2' }, JOB)).toEqual({
      trigger: { type: 'date' },
      options: { maxInstances: 2 },
    });
  });

  it('splits job options out of the fields, as APScheduler keyword arguments mix them', () => {
    expect(
      normalizeAddJobArguments(
        'cron',
        { hour: 3, id: 'x', max_instances: '2', timezone: 'UTC' },
        { name: 'nightly' },
        JOB,
      ),
    ).toEqual({
      trigger: { type: 'cron', hour: 3, timezone: 'UTC' },
      options: { id: 'x', maxInstances: 2, name: 'nightly' },
    });
    // A plugin's trigger type: only job option names are split out.
    expect(normalizeAddJobArguments('mine', { every: 2, coalesce: 'no' }, undefined, JOB)).toEqual({
      trigger: { type: 'mine', every: 2 },
      options: { coalesce: false },
    });
  });

  it('refuses an option given twice, a conflicting type and fields that are no object', () => {
    const twice = optionError(() =>
      normalizeAddJobArguments('cron', { hour: 3, id: 'x' }, { id: 'y' }, JOB),
    );
    expect(twice.option).toBe('id');
    expect(twice.message).toContain('given both among the trigger fields and in the options');
    expect(
      optionError(() =>
        normalizeAddJobArguments('cron', { max_instances: 2 }, { maxInstances: 3 }, JOB),
      ).message,
    ).toContain('(as maxInstances); give it once');
    expect(
      optionError(() => normalizeAddJobArguments('cron', { type: 'interval' }, undefined, JOB))
        .message,
    ).toContain(`the trigger alias is given already ('cron')`);
    expect(normalizeAddJobArguments('cron', { type: 'cron' }, undefined, JOB).trigger).toEqual({
      type: 'cron',
    });
    expect(
      optionError(() => normalizeAddJobArguments('cron', 5, undefined, JOB)).message,
    ).toContain('5 is not an object of cron trigger fields');
    expect(optionError(() => normalizeAddJobArguments(' ', {}, undefined, JOB)).option).toBe(
      'trigger',
    );
    expect(optionError(() => normalizeAddJobArguments('cron', {}, 'x', JOB)).message).toContain(
      `'x' is not an options object`,
    );
    expect(
      optionError(() => normalizeAddJobArguments('cron', { hour: 3 }, { bogus: 1 }, JOB)).option,
    ).toBe('bogus');
  });

  it('refuses a key after a built-in alias that is neither its field nor a job option', () => {
    const typo = optionError(() =>
      normalizeAddJobArguments('interval', { seconds: 5, misfireGrace: 3 }, undefined, JOB),
    );
    expect(typo.option).toBe('misfireGrace');
    expect(typo.value).toBe(3);
    expect(typo.message).toContain(
      'misfireGrace: neither a field of the interval trigger nor a job option (did you mean ' +
        'misfireGraceTime?); interval trigger fields are weeks, days, hours, minutes, seconds,',
    );
    expect(
      optionError(() => normalizeAddJobArguments('cron', { minutes: 5 }, undefined, JOB)).message,
    ).toContain('(did you mean minute?); cron trigger fields are year, month,');
    // A plugin alias's fields are the plugin's to check.
    expect(normalizeAddJobArguments('mine', { every: 2 }, undefined, JOB).trigger).toEqual({
      type: 'mine',
      every: 2,
    });
  });

  it("passes Kairos's own shape through, checking the options", () => {
    const trigger = new IntervalTrigger({ seconds: 1 });
    expect(normalizeAddJobArguments(trigger, { maxInstances: '2' }, undefined, JOB)).toEqual({
      trigger,
      options: { maxInstances: 2 },
    });
    expect(normalizeAddJobArguments(null, undefined, undefined, JOB)).toEqual({
      trigger: null,
      options: {},
    });
    const spec = { type: 'interval', seconds: 5 };
    expect(normalizeAddJobArguments(spec, { id: 'x' }, undefined, JOB)).toEqual({
      trigger: spec,
      options: { id: 'x' },
    });
  });

  it('refuses job options inside a trigger spec and options in the trigger position', () => {
    expect(
      optionError(() =>
        normalizeAddJobArguments({ type: 'interval', seconds: 5, id: 'x' }, {}, undefined, JOB),
      ).message,
    ).toContain('id: is a job option inside the interval trigger spec');
    const misplaced = optionError(() =>
      normalizeAddJobArguments(untyped({ id: 'x', maxInstances: 2 }), undefined, undefined, JOB),
    );
    expect(misplaced.message).toBe(
      `${JOB}: id: the trigger argument holds job options (id, maxInstances) and no trigger ` +
        `type; options are the argument after the trigger: addJob(task, null, ` +
        `{id: 'x', maxInstances: 2})`,
    );
    expect(
      optionError(() =>
        normalizeAddJobArguments(untyped({ seconds: 5, id: 'x' }), undefined, undefined, JOB),
      ).message,
    ).toContain(`addJob(task, {type: 'interval', seconds: 5}, {id: 'x'})`);
    expect(
      optionError(() =>
        normalizeAddJobArguments({ type: 'interval', seconds: 5 }, {}, { id: 'x' }, JOB),
      ).message,
    ).toContain('a fourth argument is taken only after a trigger alias');
  });
});

describe('through addJob', () => {
  it('takes snake_case keys and numeric strings, and words errors in Kairos terms', async () => {
    const scheduler = new BackgroundScheduler({ clock: new FakeClock(Date.UTC(2030, 0, 1)) });
    const job = await scheduler.addJob(
      function report() {},
      { type: 'interval', seconds: 5 },
      untypedOptions({
        max_instances: '2',
        misfire_grace_time: '30',
        coalesce: 'false',
        timeout: '9',
      }),
    );
    expect(job).toMatchObject({
      maxInstances: 2,
      misfireGraceTime: 30,
      coalesce: false,
      timeout: 9,
    });
    await expect(
      scheduler.addJob(function report() {}, null, untypedOptions({ maxInstances: 'two' })),
    ).rejects.toThrow(`addJob(report): maxInstances: 'two' is not an integer ≥ 1`);
    await expect(
      scheduler.addJob(function report() {}, null, untypedOptions({ misfireGrace: 3 })),
    ).rejects.toThrow('misfireGrace: unknown option (did you mean misfireGraceTime?)');
  });
});
