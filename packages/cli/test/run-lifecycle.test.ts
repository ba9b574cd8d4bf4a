/**
 * `kairos run` as a process: crontab lines (environment, `%` input, SHELL, @reboot), the stop
 * at SIGTERM with its grace, reloading on SIGHUP and on file change while runs are in flight,
 * files with errors.
 */
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@kairos/testkit';
import { describe, expect, it } from 'vitest';
import { kairos } from './cli.js';
import { Daemon, linesOf, sleep, tempDir } from './daemon.js';

describe('kairos run', () => {
  it('runs @reboot crontab lines once with the variables above them, % input and SHELL', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'crontab'),
      [
        'GREETING=hello',
        '@reboot echo "$GREETING $0" >> out.log',
        'SHELL=/bin/bash',
        'GREETING=bonjour',
        '@reboot echo "$GREETING $BASH_VERSION" | cut -c1-9 >> bash.log',
        '@reboot cat >> input.log%first line%second line',
        '',
      ].join('\n'),
    );
    const daemon = new Daemon(['crontab'], dir);
    await daemon.ready();
    await daemon.waitFor('three runs', () => daemon.events('finished').length === 3);
    expect(await daemon.stop()).toBe(0);
    expect(linesOf(join(dir, 'out.log'))).toEqual(['hello /bin/sh']);
    expect(linesOf(join(dir, 'bash.log'))).toEqual(['bonjour 5']);
    // As Debian's cron feeds it: the % input ends with a newline.
    expect(readFileSync(join(dir, 'input.log'), 'utf8')).toBe('first line\nsecond line\n');
    const finished = daemon.events('finished')[0];
    expect(finished).toMatchObject({ level: 'info', exitCode: 0 });
    expect(finished?.job).toMatch(/^crontab:\d$/);
    expect(typeof finished?.runId).toBe('string');
    expect(typeof finished?.durationMs).toBe('number');
  });

  it('logs output lines, exit codes and signals of failed runs', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'jobs.json'),
      JSON.stringify({
        jobs: [
          { name: 'fails', schedule: '@reboot', command: 'echo out; echo oops >&2; exit 3' },
          { name: 'killed', schedule: '@reboot', command: 'kill -9 $$' },
        ],
      }),
    );
    const daemon = new Daemon(['jobs.json'], dir);
    await daemon.waitFor('two failures', () => daemon.events('failed').length === 2);
    expect(await daemon.stop()).toBe(0);
    expect(daemon.events('output', 'fails').map((line) => [line.stream, line.message])).toEqual([
      ['stdout', 'stdout: out'],
      ['stderr', 'stderr: oops'],
    ]);
    // Each output line names its run, as the run's own lines do (runs of a job may overlap).
    const [run] = daemon.events('started', 'fails');
    expect(daemon.events('output', 'fails').map((line) => line.runId)).toEqual([
      run?.runId,
      run?.runId,
    ]);
    expect(daemon.events('failed', 'fails')[0]).toMatchObject({
      level: 'error',
      exitCode: 3,
      signal: null,
    });
    expect(daemon.events('failed', 'killed')[0]).toMatchObject({
      exitCode: null,
      signal: 'SIGKILL',
    });
  });

  it('at SIGTERM waits --grace for running commands, then stops them and exits 0', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'jobs.json'),
      JSON.stringify({
        jobs: [
          { name: 'quick', schedule: '@reboot', command: 'sleep 0.5; echo done >> quick.log' },
          {
            name: 'long',
            schedule: '@reboot',
            command: 'echo started >> long.log; sleep 60',
            killGrace: 1,
          },
          {
            name: 'tick',
            trigger: { type: 'interval', seconds: 1 },
            command: 'echo tick >> tick.log',
          },
        ],
      }),
    );
    const daemon = new Daemon(['--grace', '1.5', 'jobs.json'], dir);
    await daemon.waitFor('the long run', () => linesOf(join(dir, 'long.log')).length === 1);
    const started = Date.now();
    daemon.signal('SIGTERM');
    const ticks = linesOf(join(dir, 'tick.log')).length;
    expect(await daemon.exited).toBe(0);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(6_000);
    expect(linesOf(join(dir, 'quick.log'))).toEqual(['done']); // finished within the grace
    expect(linesOf(join(dir, 'tick.log')).length).toBeLessThanOrEqual(ticks + 1); // no new runs
    expect(daemon.events('failed', 'long')[0]?.message).toMatch(/was stopped at shutdown/);
  });

  it('a SIGTERM while it starts (its file still being read) stops it as any other: exit 0', async () => {
    const dir = tempDir();
    // A named pipe: reading it waits for a writer, which holds the daemon in its start.
    execFileSync('mkfifo', [join(dir, 'pipe.crontab')]);
    const daemon = new Daemon(['pipe.crontab'], dir);
    // The daemon reads its files when one of its threads waits for the pipe's writer.
    const waitsForWriter = (): boolean =>
      readdirSync(`/proc/${daemon.child.pid}/task`).some(
        (task) =>
          readFileSync(`/proc/${daemon.child.pid}/task/${task}/wchan`, 'utf8') ===
          'wait_for_partner',
      );
    expect(await waitFor(waitsForWriter, 10_000)).toBe(true);
    daemon.signal('SIGTERM');
    await daemon.waitFor('the stop', (lines) => lines.some((line) => line.message === 'stopped'));
    writeFileSync(join(dir, 'pipe.crontab'), '* * * * * true\n');
    expect(await daemon.exited).toBe(0);
    expect(daemon.events('daemon').map((line) => line.message)).toEqual([
      'received SIGTERM: no new runs; nothing running',
      'stopped',
    ]);
  });

  it('a second SIGINT stops the running commands at once', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'jobs.json'),
      JSON.stringify({
        jobs: [
          { name: 'long', schedule: '@reboot', command: 'echo started >> long.log; sleep 60' },
        ],
      }),
    );
    const daemon = new Daemon(['--grace', '60s', 'jobs.json'], dir);
    await daemon.waitFor('the long run', () => linesOf(join(dir, 'long.log')).length === 1);
    const started = Date.now();
    daemon.signal('SIGINT');
    await daemon.waitFor('the grace', () =>
      daemon.lines.some((line) => line.message.includes('waiting up to 60 s')),
    );
    daemon.signal('SIGINT');
    expect(await daemon.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reloads on SIGHUP and on file change: adds, changes and removes jobs, runs in flight go on', async () => {
    const dir = tempDir();
    const file = join(dir, 'jobs.json');
    const write = (jobs: unknown[]): void => {
      // Written aside and renamed in, as editors and config maps do.
      writeFileSync(`${file}.new`, JSON.stringify({ jobs }));
      renameSync(`${file}.new`, file);
    };
    const slow = {
      name: 'slow',
      trigger: { type: 'interval', seconds: 1 },
      command: 'echo start >> slow.log; sleep 2; echo end >> slow.log',
    };
    const a = { name: 'a', trigger: { type: 'interval', seconds: 1 }, command: 'echo a >> a.log' };
    write([slow, a]);
    const daemon = new Daemon(['--no-watch', 'jobs.json'], dir);
    await daemon.ready();
    await daemon.waitFor('slow to start', () => daemon.events('started', 'slow').length === 1);

    // SIGHUP: slow is removed while it runs; a changes; b is added.
    write([
      { ...a, command: 'echo A >> a.log' },
      { name: 'b', trigger: { type: 'interval', seconds: 1 }, command: 'echo b >> b.log' },
    ]);
    daemon.signal('SIGHUP');
    await daemon.waitFor('the reload', () =>
      daemon.lines.some((line) => line.message.startsWith('reloaded')),
    );
    expect(daemon.lines.find((line) => line.message.startsWith('reloaded'))?.message).toMatch(
      /reloaded \(SIGHUP\): 1 added, 1 changed, 1 removed, 0 unchanged; 1 run\(s\) in flight go on/,
    );
    await daemon.waitFor(
      'b and the new a to run',
      () => linesOf(join(dir, 'b.log')).length > 0 && linesOf(join(dir, 'a.log')).includes('A'),
    );
    // The removed job's run in flight finished; no new run of it started.
    await daemon.waitFor('slow to end', () => linesOf(join(dir, 'slow.log')).includes('end'));
    expect(linesOf(join(dir, 'slow.log'))).toEqual(['start', 'end']);
    expect(daemon.events('finished', 'slow')).toHaveLength(1);

    // A file with errors is not applied: its jobs are kept.
    writeFileSync(file, '{ "jobs": [ { "name": "b" } ] }');
    daemon.signal('SIGHUP');
    await daemon.waitFor('the refused reload', () =>
      daemon.lines.some((line) => line.message.includes('not reloaded')),
    );
    await daemon.stop();
  });

  it('reloads when a watched file changes', async () => {
    const dir = tempDir();
    const file = join(dir, 'crontab');
    writeFileSync(file, '@reboot echo boot >> boot.log\n');
    const daemon = new Daemon(['crontab'], dir);
    await daemon.ready();
    writeFileSync(
      join(dir, 'jobs.json'),
      JSON.stringify({ jobs: [{ name: 'x', schedule: '@reboot', command: 'true' }] }),
    ); // another file in the folder: nothing to reload
    await sleep(600);
    expect(daemon.lines.some((line) => line.message.startsWith('reloaded'))).toBe(false);
    writeFileSync(file, '@reboot echo boot >> boot.log\n* * * * * echo minute >> minute.log\n');
    await daemon.waitFor('the reload', () =>
      daemon.lines.some((line) => line.message.startsWith('reloaded')),
    );
    expect(daemon.lines.find((line) => line.message.startsWith('reloaded'))?.message).toMatch(
      /\(file changed\): 1 added, 0 changed, 0 removed/,
    );
    expect(await daemon.stop()).toBe(0);
    expect(linesOf(join(dir, 'boot.log'))).toEqual(['boot']); // @reboot: once per daemon start
  });

  it('reloads within about a second while another file of the folder is written all the time', async () => {
    const dir = tempDir();
    const file = join(dir, 'crontab');
    writeFileSync(file, '0 2 * * * echo one\n');
    const daemon = new Daemon(['crontab'], dir);
    await daemon.ready();
    // A log beside the crontab, written every 50 ms: each write is a change in the folder.
    const writer = setInterval(() => appendFileSync(join(dir, 'busy.log'), 'x\n'), 50);
    try {
      await sleep(300);
      writeFileSync(file, '0 2 * * * echo one\n0 3 * * * echo two\n');
      const edited = Date.now();
      await daemon.waitFor(
        'the reload',
        () => daemon.lines.some((line) => line.message.startsWith('reloaded')),
        5_000,
      );
      // Put off by each write, a reload never came while the log was written.
      expect(Date.now() - edited).toBeLessThan(4_000);
    } finally {
      clearInterval(writer);
    }
    expect(await daemon.stop()).toBe(0);
  });

  it('says once that a watched file was deleted, and keeps its jobs', async () => {
    const dir = tempDir();
    const file = join(dir, 'crontab');
    writeFileSync(file, '0 2 * * * echo one\n');
    const daemon = new Daemon(['crontab'], dir);
    await daemon.ready();
    rmSync(file);
    const unreadable = (): string[] =>
      daemon.lines
        .map((line) => line.message)
        .filter((message) => message.includes('cannot read the file'));
    await daemon.waitFor('the error', () => unreadable().length === 1);
    writeFileSync(join(dir, 'other.log'), 'x\n'); // another change in the folder: said once
    await sleep(1_500);
    expect(unreadable()).toEqual([
      expect.stringMatching(/^crontab: cannot read the file \(ENOENT.*\); its jobs are kept$/),
    ]);
    expect(await daemon.stop()).toBe(0);
  });

  it("reloads when a symlinked file's target changes, also after the symlink moved", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'crontab'), '0 2 * * * echo one\n');
    symlinkSync(join('a', 'crontab'), join(dir, 'crontab'));
    const daemon = new Daemon(['crontab'], dir);
    await daemon.ready();
    const reloads = (): string[] =>
      daemon.lines.map((line) => line.message).filter((message) => message.startsWith('reloaded'));

    // The target, in another folder, is edited in place.
    writeFileSync(join(dir, 'a', 'crontab'), '0 2 * * * echo one\n0 3 * * * echo two\n');
    await daemon.waitFor('the reload of the edited target', () => reloads().length === 1);
    expect(reloads()[0]).toMatch(/\(file changed\): 1 added, 0 changed, 0 removed/);

    // The symlink is moved to a file in a third folder (as ln -sfn does), then that file changes.
    writeFileSync(join(dir, 'b', 'crontab'), '0 2 * * * echo one\n');
    symlinkSync(join('b', 'crontab'), join(dir, 'crontab.new'));
    renameSync(join(dir, 'crontab.new'), join(dir, 'crontab'));
    await daemon.waitFor('the reload of the moved symlink', () => reloads().length === 2);
    expect(reloads()[1]).toMatch(/\(file changed\): 0 added, 0 changed, 1 removed/);
    writeFileSync(join(dir, 'b', 'crontab'), '0 2 * * * echo one\n0 4 * * * echo four\n');
    await daemon.waitFor('the reload of the new target', () => reloads().length === 3);
    expect(reloads()[2]).toMatch(/\(file changed\): 1 added, 0 changed, 0 removed/);
    expect(await daemon.stop()).toBe(0);
  });

  it('does not start with errors in a file, and exits 2 for a missing file', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'crontab'),
      '61 * * * * true\nKAIROS_OVERLAP=sometimes\n* * * * * true\n',
    );
    const bad = await kairos(['run', 'crontab'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/crontab:1:1: '61' is out of range for minute/);
    expect(bad.stdout).toMatch(/crontab:3:1: KAIROS_OVERLAP=sometimes is not an overlap policy/);
    expect(bad.stdout).toMatch(/not started: 2 error\(s\)/);
    const missing = await kairos(['run', 'nothing-here'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nothing-here: cannot read the file/);
  });
});

describe('kairos run: clean starts and stops', () => {
  it('a job the scheduler refuses at start: exit 1 with a message, nothing run, no hang', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'jobs.json'),
      JSON.stringify({
        jobs: [
          { name: 'boot', schedule: '@reboot', command: 'echo ran >> ran.log' },
          { name: 'empty', schedule: '* * * * *', argv: [''] },
        ],
      }),
    );
    const result = await kairos(['run', '--no-watch', 'jobs.json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/not started/);
    expect(result.stderr).not.toMatch(/^\s+at /m); // a message, not a stack
    expect(linesOf(join(dir, 'ran.log'))).toEqual([]);
  });

  it('names the second stop signal as it is: SIGINT after SIGTERM', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'crontab'), '@reboot echo started >> long.log; sleep 60\n');
    const daemon = new Daemon(['--grace', '60s', 'crontab'], dir);
    await daemon.waitFor('the long run', () => linesOf(join(dir, 'long.log')).length === 1);
    daemon.signal('SIGTERM');
    await daemon.waitFor('the grace', () =>
      daemon.lines.some((line) => line.message.includes('waiting up to 60 s')),
    );
    daemon.signal('SIGINT');
    expect(await daemon.exited).toBe(0);
    expect(daemon.lines.map((line) => line.message)).toContain(
      'received SIGINT after SIGTERM, a second stop signal: stopping the running commands now',
    );
  });

  it('reads a file named twice once, and says so', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'crontab'), '@reboot echo boot >> boot.log\n0 2 * * * true\n');
    const daemon = new Daemon(['crontab', './crontab'], dir);
    await daemon.ready();
    await daemon.waitFor('the @reboot run', () => daemon.events('finished').length === 1);
    expect(await daemon.stop()).toBe(0);
    const messages = daemon.events('daemon').map((line) => line.message);
    expect(messages).toContain('./crontab is the same file as crontab: it is read once');
    expect(messages.find((message) => message.startsWith('started'))).toMatch(
      /^started: 1 job\(s\) from crontab in memory, 1 @reboot/,
    );
    expect(linesOf(join(dir, 'boot.log'))).toEqual(['boot']);
  });

  it('reads a file named directly and through a symlink once', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc', 'crontab'), '@reboot echo boot >> boot.log\n0 2 * * * true\n');
    symlinkSync(join('etc', 'crontab'), join(dir, 'crontab'));
    const daemon = new Daemon(['crontab', 'etc/crontab'], dir);
    await daemon.ready();
    await daemon.waitFor('the @reboot run', () => daemon.events('finished').length === 1);
    expect(await daemon.stop()).toBe(0);
    const messages = daemon.events('daemon').map((line) => line.message);
    expect(messages).toContain('etc/crontab is the same file as crontab: it is read once');
    expect(messages.find((message) => message.startsWith('started'))).toMatch(
      /^started: 1 job\(s\) from crontab in memory, 1 @reboot/,
    );
    expect(linesOf(join(dir, 'boot.log'))).toEqual(['boot']);
  });

  it('logs "stopped" once a command that ignores SIGTERM has been killed', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'jobs.json'),
      JSON.stringify({
        jobs: [
          {
            name: 'stubborn',
            schedule: '@reboot',
            command: "trap '' TERM; echo started >> stubborn.log; sleep 30",
            killGrace: 1.5,
          },
        ],
      }),
    );
    const daemon = new Daemon(['--grace', '0.2', 'jobs.json'], dir);
    await daemon.waitFor('the run', () => linesOf(join(dir, 'stubborn.log')).length === 1);
    daemon.signal('SIGTERM');
    expect(await daemon.exited).toBe(0);
    const stopping = daemon.lines.find((line) => line.message.startsWith('stopping 1 command'));
    const stopped = daemon.lines.find((line) => line.message === 'stopped');
    expect(stopping).toBeDefined();
    expect(Date.parse(stopped?.time ?? '') - Date.parse(stopping?.time ?? '')).toBeGreaterThan(
      1_400,
    );
  });

  it('says how long a timed-out command ran before why it was stopped', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'jobs.json'),
      JSON.stringify({
        jobs: [{ name: 'slow', schedule: '@reboot', command: 'sleep 5', timeout: 0.5 }],
      }),
    );
    const daemon = new Daemon(['jobs.json'], dir);
    await daemon.waitFor('the timeout', () => daemon.events('failed').length === 1);
    expect(await daemon.stop()).toBe(0);
    expect(daemon.events('failed')[0]?.message).toMatch(
      /^run \S+ timed out after \d+ ms: Command 'sleep 5' ran past its timeout of 0\.5 s: .*if it needs longer$/,
    );
  });
});

describe('kairos run: a reload with a job the scheduler would refuse', () => {
  it('changes nothing, and the log says the jobs are kept', async () => {
    const dir = tempDir();
    const file = join(dir, 'jobs.json');
    const tick = {
      name: 'tick',
      trigger: { type: 'interval', seconds: 1 },
      command: 'echo old >> tick.log',
    };
    writeFileSync(file, JSON.stringify({ jobs: [tick] }));
    const daemon = new Daemon(['--no-watch', 'jobs.json'], dir);
    await daemon.waitFor('a tick', () => linesOf(join(dir, 'tick.log')).length >= 1);
    // tick changes, and a job the scheduler would refuse (an empty program) comes in: the file's
    // check finds it (as kairos check does), so nothing of the file is applied.
    writeFileSync(
      file,
      JSON.stringify({
        jobs: [
          { ...tick, command: 'echo new >> tick.log' },
          { name: 'empty', trigger: { type: 'interval', seconds: 1 }, argv: [''] },
        ],
      }),
    );
    daemon.signal('SIGHUP');
    await daemon.waitFor('the refused reload', () =>
      daemon.lines.some((line) => line.message.includes('not reloaded')),
    );
    const ticks = linesOf(join(dir, 'tick.log')).length;
    await daemon.waitFor('more ticks', () => linesOf(join(dir, 'tick.log')).length >= ticks + 2);
    expect(await daemon.stop()).toBe(0);
    expect(daemon.lines.find((line) => line.message.includes('not reloaded'))?.message).toMatch(
      /jobs\.json: not reloaded \(1 error\(s\)\); its jobs are kept$/,
    );
    expect(daemon.lines.some((line) => line.message.includes(`argv: [""] must be`))).toBe(true);
    expect(linesOf(join(dir, 'tick.log'))).not.toContain('new');
  });
});
