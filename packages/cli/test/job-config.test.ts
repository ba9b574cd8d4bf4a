import { describe, expect, test } from 'vitest';
import { readJobFile } from '../src/job-config.js';

const text = (jobs: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...extra, jobs }, null, 2);

describe('readJobFile', () => {
  test('a valid file: overlap left unset where not given (kairos run fills in --overlap)', () => {
    const read = readJobFile(
      text([
        { name: 'a', schedule: '0 2 * * *', command: 'true' },
        { name: 'b', trigger: { type: 'interval', seconds: 30 }, argv: ['x'], overlap: 'replace' },
      ]),
    );
    expect(read.ok).toBe(true);
    if (read.ok) expect(read.file.jobs.map((job) => job.overlap)).toEqual([undefined, 'replace']);
  });

  test('Kairos crontab syntax is accepted in a schedule (the file is not a crontab)', () => {
    expect(readJobFile(text([{ name: 'a', schedule: '0 0 L * *', command: 'x' }])).ok).toBe(true);
    expect(readJobFile(text([{ name: 'a', schedule: '@reboot', command: 'x' }])).ok).toBe(true);
  });

  const problemsOf = (source: string) => {
    const read = readJobFile(source);
    if (read.ok) throw new Error('expected problems');
    return read.problems;
  };

  test('each problem names the job, the field and the value, at the value', () => {
    const source = text([
      { name: 'backup', schedule: '0 2 * * *', command: 'x', overlap: 'sometimes' },
    ]);
    const [problem] = problemsOf(source);
    expect(problem?.message).toBe(
      `job 'backup' (jobs[0]): overlap: "sometimes" must be one of forbid, allow, replace, queue`,
    );
    const line = source.split('\n').findIndex((l) => l.includes('"overlap"')) + 1;
    expect(problem?.line).toBe(line);
  });

  test.each([
    [{ name: 'a', command: 'x' }, "needs exactly one of 'schedule' and 'trigger'"],
    [{ name: 'a', schedule: '* * * * *' }, "needs exactly one of 'command' and 'argv'"],
    [
      { name: 'a', schedule: '61 * * * *', command: 'x' },
      'schedule: "61 * * * *" crontab trigger: minute',
    ],
    [
      { name: 'a', trigger: { type: 'cron', hour: 25 }, command: 'x' },
      'trigger: cron trigger: hour',
    ],
    [
      { name: 'a', trigger: '*/5 * * * *', command: 'x' },
      `trigger: "*/5 * * * *" must be a trigger spec such as {"type": "interval", "minutes": 5}; a crontab expression goes in 'schedule'`,
    ],
    [{ name: 'a', schedule: '* * * * *', argv: [] }, 'argv: needs at least the program'],
    [
      { name: 'a', schedule: '* * * * *', command: 'x', timeout: -1 },
      'timeout: -1 must be a number of seconds greater than 0',
    ],
    [
      { name: 'a', schedule: '* * * * *', command: 'x', env: { A: 1 } },
      'env.A: 1 must be a string',
    ],
    [
      { name: 'a', schedule: '* * * * *', command: 'x', colour: 'red' },
      "unknown field 'colour'; the fields are name, schedule",
    ],
    [{ schedule: '* * * * *', command: 'x' }, 'job jobs[0]: name: is missing'],
  ])('%j', (job, message) => {
    expect(
      problemsOf(text([job]))
        .map((problem) => problem.message)
        .join('\n'),
    ).toContain(message);
  });

  test('a file or a job that is not an object says what it should be', () => {
    expect(problemsOf('[]')[0]?.message).toBe('the file: must be an object: { "jobs": [ … ] }');
    expect(problemsOf('{ "jobs": [5] }')[0]?.message).toBe(
      'job jobs[0] must be an object such as {"name": "backup", "schedule": "0 2 * * *", "command": "…"}',
    );
  });

  test('what the scheduler refuses in a command is a finding too (kairos run would refuse it)', () => {
    const at = { name: 'a', schedule: '0 2 * * *' };
    expect(problemsOf(text([{ ...at, argv: [''] }]))[0]?.message).toBe(
      `job 'a' (jobs[0]): argv: [""] must be a non-empty array of strings, the program first: ['ls', '-l']`,
    );
    expect(problemsOf(text([{ ...at, command: 'x', env: { 'A=B': '1' } }]))[0]?.message).toBe(
      `job 'a' (jobs[0]): env: "A=B" a variable name must be non-empty, without = or NUL`,
    );
    expect(problemsOf(text([{ ...at, command: 'x', cwd: '' }]))[0]?.message).toBe(
      `job 'a' (jobs[0]): cwd: "" must be a directory path`,
    );
  });

  test("a field the file's own check refuses is one finding, not a second from the scheduler's", () => {
    const at = { name: 'a', schedule: '0 2 * * *' };
    const messages = (job: Record<string, unknown>) =>
      problemsOf(text([{ ...at, ...job }])).map((problem) => problem.message);
    expect(messages({ command: '' })).toEqual([`job 'a' (jobs[0]): command: "" must not be empty`]);
    expect(messages({ argv: [] })).toEqual([`job 'a' (jobs[0]): argv: needs at least the program`]);
    expect(messages({ command: 'x', timeout: 0 })).toEqual([
      `job 'a' (jobs[0]): timeout: 0 must be a number of seconds greater than 0`,
    ]);
  });

  test('duplicate names and a bad zone are reported', () => {
    const job = { name: 'a', schedule: '* * * * *', command: 'x' };
    expect(problemsOf(text([job, job]))[0]?.message).toContain(
      'job \'a\' (jobs[1]): name: "a" is the name of an earlier job',
    );
    expect(problemsOf(text([job], { timezone: 'Mars/Base' }))[0]?.message).toContain(
      'timezone: "Mars/Base" is not an IANA time zone',
    );
  });

  test('a byte-order mark before the JSON is read past', () => {
    const read = readJobFile(`\uFEFF${text([{ name: 'a', schedule: '0 2 * * *', command: 'x' }])}`);
    expect(read.ok).toBe(true);
  });

  test('invalid JSON: one problem at the first mistake', () => {
    expect(problemsOf('{ "jobs": [ { "name": "a", } ] }')).toEqual([
      { line: 1, column: 28, message: 'not valid JSON: property name expected here' },
    ]);
  });
});
