import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommandTask, describeCommand } from '../src/commands/command-task.js';
import { runCommand } from '../src/commands/run-command.js';
import { CommandFailedError, CommandTimeoutError, JobOptionError } from '../src/errors.js';
import { endsWithin } from './helpers.js';

describe('runCommand', () => {
  it('runs a shell line and returns its exit code, duration and output', async () => {
    const lines: string[] = [];
    const result = await runCommand(
      { command: 'echo one; echo two >&2; printf three' },
      { onLine: (stream, line) => lines.push(`${stream}:${line}`) },
    );
    expect(result).toMatchObject({
      exitCode: 0,
      stdout: 'one\nthree',
      stderr: 'two\n',
      stdoutDropped: 0,
    });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(lines.sort()).toEqual(['stderr:two', 'stdout:one', 'stdout:three']);
  });

  it.runIf(process.getuid?.() === 0)(
    'runs as another user and group when given uid and gid',
    async () => {
      const result = await runCommand({ argv: ['id', '-u'], uid: 65534, gid: 65534 });
      expect(result.stdout).toBe('65534\n');
      const group = await runCommand({ argv: ['id', '-g'], uid: 65534, gid: 65534 });
      expect(group.stdout).toBe('65534\n');
    },
  );

  it('runs an argument vector without a shell', async () => {
    const result = await runCommand({ argv: ['printf', '%s|', 'a b', '$HOME', '*'] });
    expect(result.stdout).toBe('a b|$HOME|*|');
  });

  it('passes stdin, merges env over the process environment and runs in cwd', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'kairos-cmd-')));
    const result = await runCommand({
      command: 'cat; echo "$GREETING $HOME"; pwd',
      stdin: 'line 1\nline 2\n',
      env: { GREETING: 'hello' },
      cwd: dir,
    });
    expect(result.stdout).toBe(`line 1\nline 2\nhello ${process.env['HOME'] ?? ''}\n${dir}\n`);
  });

  it('fails on a non-zero exit, naming the code and quoting the end of stderr', async () => {
    const error = await runCommand({ command: 'echo first >&2; echo last >&2; exit 3' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error).toMatchObject({ exitCode: 3, signal: null, stderr: 'first\nlast\n' });
    expect((error as Error).message).toBe(
      "Command 'echo first >&2; echo last >&2; exit 3' exited with code 3; its standard error " +
        'ended with:\n  first\n  last',
    );
  });

  it('fails when the command is killed by a signal', async () => {
    const error = await runCommand({ command: 'kill -KILL $$' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect((error as Error).message).toBe("Command 'kill -KILL $$' was killed by SIGKILL");
  });

  it('fails when the program cannot start', async () => {
    const error = await runCommand({ argv: ['/nonexistent/kairos-program'] }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as Error).message).toMatch(
      /^Command '\/nonexistent\/kairos-program' could not start: spawn .*ENOENT/,
    );
  });

  it('says a missing working folder is what kept the command from starting', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'kairos-cmd-')), 'nope');
    const error = await runCommand({ command: 'pwd', cwd: missing }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as Error).message).toBe(
      `Command 'pwd' could not start: its working folder '${missing}' (cwd) does not exist (spawn /bin/sh ENOENT)`,
    );
  });

  it('stops the whole process group at its timeout, with SIGKILL when SIGTERM is ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-cmd-'));
    const pidFile = join(dir, 'child.pid');
    const error = await runCommand({
      command: `trap '' TERM; sleep 30 & echo $! > ${pidFile}; wait`,
      timeout: 0.3,
      killGrace: 0.2,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect((error as Error).message).toMatch(
      /ran past its timeout of 0.3 s: its process group was sent SIGTERM, then SIGKILL after 0.2 s/,
    );
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(await endsWithin(grandchild)).toBe(true);
  });

  it('SIGKILLs what is left of the group after the kill grace, also once the shell has exited', async () => {
    // The shell exits at SIGTERM; the process it started in the background ignores SIGTERM and
    // holds none of the command's output, so the command "closes" while that process lives.
    const dir = mkdtempSync(join(tmpdir(), 'kairos-cmd-'));
    const pidFile = join(dir, 'child.pid');
    const controller = new AbortController();
    const run = runCommand(
      {
        command: `sh -c "trap '' TERM; echo \\$\\$ > ${pidFile}; exec sleep 30" </dev/null >/dev/null 2>&1 & wait`,
        killGrace: 0.3,
      },
      { signal: controller.signal },
    );
    const deadline = Date.now() + 5000;
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('the background process did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const left = Number(readFileSync(pidFile, 'utf8'));
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    // The run ended after the SIGKILL, not before: the process is gone.
    expect(await endsWithin(left, 1000)).toBe(true);
  });

  it('stops the command when its signal aborts and rejects with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('job timed out');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await expect(runCommand({ command: 'sleep 30' }, { signal: controller.signal })).rejects.toBe(
      reason,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps only the last tailBytes of each stream and counts what it dropped', async () => {
    const result = await runCommand(
      { command: 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done' },
      { tailBytes: 100 },
    );
    expect(result.stdout.length).toBeLessThanOrEqual(100);
    expect(result.stdout.endsWith('line 1999\n')).toBe(true);
    expect(result.stdoutDropped + Buffer.byteLength(result.stdout)).toBe(
      [...Array(2000).keys()].reduce((sum, i) => sum + `line ${i}\n`.length, 0),
    );
  });
});

describe('checkCommandTask', () => {
  it('keeps the known keys of a valid task, frozen', () => {
    const task = checkCommandTask({ argv: ['ls', '-l'], cwd: '/tmp', timeout: 5 }, 'Job "x"');
    expect(task).toEqual({ argv: ['ls', '-l'], cwd: '/tmp', timeout: 5 });
    expect(Object.isFrozen(task)).toBe(true);
    expect(describeCommand(task)).toBe("'ls -l'");
    expect(describeCommand({ argv: ['echo', 'a b'] })).toBe(`'echo "a b"'`);
  });

  it.each([
    [{ command: '' }, 'task.command: must be a non-empty string'],
    [{ command: 'ls', argv: ['ls'] }, 'task.argv: give `command`'],
    [{ argv: [] }, 'task.argv: must be a non-empty array of strings'],
    [{ argv: ['ls', 3] }, 'task.argv: must be a non-empty array of strings'],
    [{ command: 'ls', env: { A: 1 } }, 'task.env.A: must be a string'],
    [{ command: 'ls', timeout: -1 }, 'task.timeout: must be a positive number of seconds'],
    [{ command: 'ls', uid: 'root' }, 'task.uid: must be a numeric id, an integer ≥ 0'],
    [
      { command: 'ls', killgrace: 1 },
      "task.killgrace: not an option of a command task; did you mean 'killGrace'?",
    ],
  ])('refuses %j', (task, message) => {
    expect(() => checkCommandTask(task, 'Job "x"')).toThrow(JobOptionError);
    expect(() => checkCommandTask(task, 'Job "x"')).toThrow(`Job "x": ${message}`);
  });
});
