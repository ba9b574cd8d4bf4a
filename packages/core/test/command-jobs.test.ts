// Command jobs: a task that is a shell line or an argument vector, run as a child process by
// the scheduler, with its output logged and returned, its failures reported as job errors, its
// timeout enforced on the whole process group, and stored commands refused unless allowed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandFailedError,
  CommandNotAllowedError,
  ConfigurationError,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  JobOptionError,
  JobTimeoutError,
  UnrestorableJob,
  type BackgroundScheduler,
  type JobExecutionEvent,
} from '../src/index.js';
import { endsWithin, makeScheduler, T0 } from './helpers.js';
import { JsonJobStore } from './json-store.js';

const started: BackgroundScheduler[] = [];

afterEach(async () => {
  for (const scheduler of started.splice(0)) {
    if (scheduler.running) await scheduler.shutdown({ wait: false });
  }
});

/** The next executed or failed run's event. */
function nextOutcome(scheduler: BackgroundScheduler): Promise<JobExecutionEvent> {
  return new Promise((resolve) => {
    const listener = (event: unknown): void => {
      scheduler.removeListener(listener);
      resolve(event as JobExecutionEvent);
    };
    scheduler.addListener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR);
  });
}

async function running(options: Parameters<typeof makeScheduler>[0] = {}) {
  const test = makeScheduler(options);
  await test.scheduler.start();
  started.push(test.scheduler);
  return test;
}

describe('command jobs', () => {
  it('runs a shell line, logs its output with the job name and returns exit code and output', async () => {
    const { scheduler, logger } = await running();
    const outcome = nextOutcome(scheduler);
    const job = await scheduler.addJob({ command: 'echo hello; echo warning >&2' }, null, {
      id: 'greet',
    });
    expect(job.name).toBe('echo hello; echo warning >&2');
    const event = await outcome;
    expect(event.exception).toBeUndefined();
    expect(event.retval).toMatchObject({ exitCode: 0, stdout: 'hello\n', stderr: 'warning\n' });
    expect(event.run?.outcome).toBe('executed');
    expect(logger.messages('info')).toEqual(
      expect.arrayContaining([
        'Job "echo hello; echo warning >&2" (id greet) stdout: hello',
        'Job "echo hello; echo warning >&2" (id greet) stderr: warning',
      ]),
    );
  });

  it('runs an argument vector without a shell', async () => {
    const { scheduler } = await running();
    const outcome = nextOutcome(scheduler);
    await scheduler.addJob({ argv: ['printf', '%s', '$HOME; ls'] });
    expect((await outcome).retval).toMatchObject({ stdout: '$HOME; ls' });
  });

  it('reports a non-zero exit as a job error naming the code and the end of stderr', async () => {
    const { scheduler, logger } = await running();
    const outcome = nextOutcome(scheduler);
    await scheduler.addJob({ command: 'echo "no such table" >&2; exit 4' }, null, { id: 'dump' });
    const event = await outcome;
    expect(event.exception).toBeInstanceOf(CommandFailedError);
    expect(event.exception).toMatchObject({ exitCode: 4 });
    expect(event.run?.outcome).toBe('error');
    expect(event.run?.error?.message).toMatch(/exited with code 4.*\n {2}no such table/);
    expect(logger.messages('error').join('\n')).toMatch(/id dump/);
  });

  it("stops the command's process group when the job's timeout passes", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-cmd-'));
    const { scheduler, clock } = await running();
    const outcome = nextOutcome(scheduler);
    await scheduler.addJob(
      { command: `sleep 30 & echo $! > ${join(dir, 'pid')}; wait`, killGrace: 0.2 },
      null,
      { timeout: 1 },
    );
    // The run starts at once; the job's timeout runs on the scheduler's (fake) clock.
    const pidFile = join(dir, 'pid');
    for (let tries = 0; tries < 200; tries++) {
      try {
        if (readFileSync(pidFile, 'utf8').trim() !== '') break;
      } catch {
        // not written yet
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await clock.advance(1000);
    const event = await outcome;
    expect(event.exception).toBeInstanceOf(JobTimeoutError);
    expect(event.run?.outcome).toBe('timeout');
    // The run is recorded at the timeout; the group is signalled then and exits soon after.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await endsWithin(pid)).toBe(true);
  });

  it('refuses a bad command task at addJob, naming the field', async () => {
    const { scheduler } = await running();
    await expect(scheduler.addJob({ command: 'ls', argv: ['ls'] })).rejects.toThrow(JobOptionError);
    await expect(scheduler.addJob({ argv: [] })).rejects.toThrow(
      /task\.argv: must be a non-empty array of strings/,
    );
    await expect(scheduler.addJob({ command: 'ls', tmeout: 3 } as never)).rejects.toThrow(
      /task\.tmeout: not an option of a command task; did you mean 'timeout'\?/,
    );
  });
});

describe('command jobs in a persistent store', () => {
  it('are refused at addJob unless the scheduler allows commands', async () => {
    const { scheduler } = await running({ jobstores: { default: new JsonJobStore() } });
    const error = await scheduler
      .addJob({ command: 'pg_dump app' }, { type: 'interval', hours: 1 }, { id: 'dump' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommandNotAllowedError);
    expect((error as Error).message).toBe(
      `Job "pg_dump app" (id dump): command 'pg_dump app' is not allowed in a persistent job ` +
        `store: this scheduler does not allow stored commands; set the scheduler option ` +
        `commands: true (or 'kairos.commands': 'true'), or list the programs: commands: ['/bin/sh']`,
    );
    expect(await scheduler.getJobs()).toEqual([]);
  });

  it('are stored and run when allowed, by list of programs or by true', async () => {
    const store = new JsonJobStore();
    const { scheduler, clock } = await running({
      jobstores: { default: store },
      commands: ['printf'],
    });
    await expect(scheduler.addJob({ command: 'printf x' })).rejects.toThrow(
      /'\/bin\/sh' is not among the allowed programs \('printf'\)/,
    );
    await scheduler.addJob(
      { argv: ['printf', 'stored'], env: { A: 'b' } },
      { type: 'interval', hours: 1 },
      { id: 'p' },
    );
    const stored = JSON.parse(store.rows.get('p')?.document ?? '{}') as { task: unknown };
    expect(stored.task).toEqual({
      argv: ['printf', 'stored'],
      env: { A: 'b' },
    });
    const outcome = nextOutcome(scheduler);
    await clock.advance(3600_000);
    expect((await outcome).retval).toMatchObject({ stdout: 'stored' });
  });

  it('are kept but not run when read by a scheduler that does not allow them', async () => {
    const store = new JsonJobStore();
    const writer = await running({ jobstores: { default: store }, commands: true });
    await writer.scheduler.addJob(
      { command: 'rm -rf /tmp/x' },
      { type: 'interval', hours: 1 },
      {
        id: 'rm',
      },
    );
    await writer.scheduler.shutdown();

    const reader = await running({ jobstores: { default: store } });
    const [listed] = await reader.scheduler.getJobs();
    expect(listed).toBeInstanceOf(UnrestorableJob);
    expect((listed as UnrestorableJob).cause).toBeInstanceOf(CommandNotAllowedError);
    expect(store.rows.has('rm')).toBe(true);
  });

  it("reads 'kairos.commands' from the configuration dictionary", () => {
    const { scheduler } = makeScheduler();
    scheduler.configure({ 'kairos.commands': 'pg_dump, /bin/sh' });
    scheduler.configure({ 'kairos.commands': 'true' });
    expect(() => scheduler.configure({ 'kairos.commands': 3 })).toThrow(ConfigurationError);
    expect(T0).toBeGreaterThan(0);
  });
});
