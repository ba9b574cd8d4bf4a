/**
 * `kairos jobs …` against real stores (SQLite in a temp file, PostgreSQL in a schema of its own,
 * Redis under a key prefix of its own), run as real processes. The jobs are added here through
 * the `kairos` package, as an application would; one has a trigger type only this process knows,
 * so the CLI lists it as unrestorable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { serverAvailable } from '@kairos/testkit';
import {
  BackgroundScheduler,
  IntervalTrigger,
  defaultRegistry,
  type PluginTriggerSpec,
} from 'kairos';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixturesDir, kairos } from './cli.js';
import { POSTGRES_URL, REDIS_URL, deleteRedisKeys, dropPostgresSchema } from './servers.js';

/** A trigger whose type only this test process has registered. */
class PluginTrigger extends IntervalTrigger {
  override toJSON(): ReturnType<IntervalTrigger['toJSON']> {
    const spec: PluginTriggerSpec = { type: 'cli-test-plugin' };
    return spec as unknown as ReturnType<IntervalTrigger['toJSON']>;
  }
}
defaultRegistry.registerTrigger(
  'cli-test-plugin',
  (_spec, options) => new PluginTrigger({ weeks: 1 }, options),
);

const runId = randomBytes(4).toString('hex');
const tasks = join(fixturesDir, 'tasks.mjs');

interface StoreCase {
  name: string;
  /** The `--store` URL, made once the case starts. */
  url: () => Promise<string>;
  cleanup: () => Promise<void>;
}

let tempDir = '';
const cases: StoreCase[] = [
  {
    name: 'sqlite',
    url: async () => {
      tempDir = await mkdtemp(join(tmpdir(), 'kairos-cli-'));
      return `sqlite:${join(tempDir, 'jobs.sqlite')}`;
    },
    cleanup: () => rm(tempDir, { recursive: true, force: true }),
  },
  {
    name: 'postgres',
    url: () => Promise.resolve(`${POSTGRES_URL}?schema=kairos_cli_${runId}`),
    cleanup: () => {
      dropPostgresSchema(`kairos_cli_${runId}`);
      return Promise.resolve();
    },
  },
  {
    name: 'redis',
    url: () => Promise.resolve(`${REDIS_URL}?prefix=kairos-cli-${runId}:`),
    cleanup: () => {
      deleteRedisKeys(`kairos-cli-${runId}:`);
      return Promise.resolve();
    },
  },
];

/** Adds the jobs through a scheduler of this process, as an application would. */
async function seed(url: string, marker: string): Promise<void> {
  const { parseStoreUrl } = await import('../src/store-url.js');
  const scheduler = new BackgroundScheduler({
    jobstores: { default: parseStoreUrl(url) },
    logger: false,
    commands: true,
  });
  await scheduler.start({ paused: true });
  try {
    await scheduler.addJob(
      { command: 'echo checked; echo "disk full" >&2; exit 3' },
      { type: 'interval', hours: 1 },
      { id: 'cmd', name: 'command-job' },
    );
    await scheduler.addJob(
      `${tasks}#greet`,
      { type: 'cron', hour: 9, timezone: 'Europe/Paris' },
      { id: 'greet', name: 'greeter', args: ['world'] },
    );
    await scheduler.addJob(
      `${tasks}#fail`,
      { type: 'interval', minutes: 5 },
      { id: 'fail', name: 'failer' },
    );
    await scheduler.addJob(`${tasks}#touch`, new PluginTrigger({ weeks: 1 }), {
      id: 'plugin',
      name: 'plugin-job',
    });
    // Due one second from now: the CLI opens the store after that, and must not run it.
    await scheduler.addJob(
      `${tasks}#touch`,
      { type: 'date', runDate: new Date(Date.now() + 1000) },
      { id: 'due', name: 'due-job', args: [marker] },
    );
  } finally {
    await scheduler.shutdown();
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
}

async function reachable(url: string): Promise<boolean> {
  const { parseStoreUrl } = await import('../src/store-url.js');
  if (url.startsWith('sqlite:')) return true;
  return serverAvailable(url.split(':')[0] ?? url, url, async () => {
    const scheduler = new BackgroundScheduler({
      jobstores: { default: parseStoreUrl(url) },
      logger: false,
    });
    await scheduler.start({ paused: true });
    await scheduler.shutdown();
  });
}

describe.each(cases)('kairos jobs on $name', (store) => {
  let url = '';
  let available = false;
  let marker = '';

  beforeAll(async () => {
    url = await store.url();
    available = await reachable(url);
    if (!available) return;
    const dir = await mkdtemp(join(tmpdir(), 'kairos-cli-marker-'));
    marker = join(dir, 'ran');
    await seed(url, marker);
  }, 60_000);
  afterAll(async () => {
    if (marker !== '') await rm(dirname(marker), { recursive: true, force: true });
    if (available) await store.cleanup();
  });

  const list = async () => {
    const result = await kairos(['jobs', 'list', '--store', url, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as {
      id: string;
      state: string;
      nextRunTime: string | null;
      cause: string | null;
      lastRun: { outcome: string | null; error: string | null } | null;
    }[];
  };

  test('list: a table of every job, unrestorable ones with their cause; opening runs nothing', async (context) => {
    if (!available) context.skip();
    const result = await kairos(['jobs', 'list', '--store', url]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +TRIGGER +NEXT RUN +LAST RUN +STATE$/);
    // No run yet: no last run.
    expect(result.stdout).toMatch(
      /greet +greeter +cron\[hour='9'\] +\w{3} \d{4}-\d\d-\d\d 09:00:00 Europe\/Paris +- +scheduled/,
    );
    expect(result.stdout).toMatch(/plugin +plugin-job +- +.* +unrestorable: .*cli-test-plugin/);
    // The date job is past due, yet still there and not run: the CLI's scheduler is paused.
    expect(result.stdout).toMatch(/due +due-job +date\[/);
    expect(existsSync(marker)).toBe(false);
  });

  test('list --json and show', async (context) => {
    if (!available) context.skip();
    const jobs = await list();
    expect(jobs.map((job) => [job.id, job.state]).sort()).toEqual([
      ['cmd', 'scheduled'],
      ['due', 'scheduled'],
      ['fail', 'scheduled'],
      ['greet', 'scheduled'],
      ['plugin', 'unrestorable'],
    ]);
    const shown = await kairos(['jobs', 'show', 'greet', '--store', url, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id: 'greet',
      task: `${tasks}#greet`,
      args: ['world'],
      timezone: 'Europe/Paris',
      triggerSpec: { type: 'cron', hour: '9' },
    });
    const text = await kairos(['jobs', 'show', 'plugin', '--store', url]);
    expect(text.stdout).toMatch(/state: +unrestorable/);
    // A command job shows its command, not a placeholder.
    const command = await kairos(['jobs', 'show', 'cmd', '--store', url]);
    expect(command.stdout).toMatch(
      /task: +\{"command":"echo checked; echo \\"disk full\\" >&2; exit 3"\}/,
    );
  });

  test('pause and resume', async (context) => {
    if (!available) context.skip();
    const paused = await kairos(['jobs', 'pause', 'greet', '--store', url]);
    expect(paused).toMatchObject({ code: 0, stdout: "Paused job 'greeter' (greet).\n" });
    expect((await list()).find((job) => job.id === 'greet')).toMatchObject({
      state: 'paused',
      nextRunTime: null,
    });
    const resumed = await kairos(['jobs', 'resume', 'greet', '--store', url]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(
      /^Resumed job 'greeter' \(greet\): \d{4}-\d\d-\d\dT09:00:00\+0[12]:00\n$/,
    );
    expect((await list()).find((job) => job.id === 'greet')?.state).toBe('scheduled');
  });

  test('run: runs here and waits; a failure exits 1 with the error', async (context) => {
    if (!available) context.skip();
    const ran = await kairos(['jobs', 'run', 'greet', '--store', url]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^Job 'greeter' \(greet\) ran in \d+ ms: "hello world"\n$/);
    const failed = await kairos(['jobs', 'run', 'fail', '--store', url]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("Job 'failer' (fail) failed");
    expect(failed.stderr).toContain('the task failed on purpose');
    // A command's failure is its exit code and stderr, without a stack trace of Node's.
    const command = await kairos(['jobs', 'run', 'cmd', '--store', url]);
    expect(command.code).toBe(1);
    expect(command.stderr).toMatch(
      /^Job 'command-job' \(cmd\) failed in \d+ ms: CommandFailedError: Command .* exited with code 3; its standard error ended with:\n {2}disk full\n$/,
    );
    expect(command.stderr).not.toContain('    at ');
  });

  test('list: the last run of each job that has run, with its outcome', async (context) => {
    if (!available) context.skip();
    const result = await kairos(['jobs', 'list', '--store', url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/fail +failer +interval\[0:05:00\] +.* +error \(\w{3} \d{4}-/);
    expect(result.stdout).toMatch(
      /greet +greeter +.* Europe\/Paris +executed \(\w{3} .* +scheduled/,
    );
    const listed = await list();
    expect(listed.find((job) => job.id === 'cmd')?.lastRun).toMatchObject({
      outcome: 'error',
      error: expect.stringMatching(/^CommandFailedError: Command .* exited with code 3/) as unknown,
    });
    expect(listed.find((job) => job.id === 'due')?.lastRun).toBeNull();
  });

  test('runs: the history of the runs above, filtered, paged and as JSON; nodes', async (context) => {
    if (!available) context.skip();
    const text = await kairos(['jobs', 'runs', '--store', url]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(
      /^SCHEDULED \(UTC\) +JOB +OUTCOME +TRY +SCHEDULER +TOOK +ERROR$/,
    );
    expect(text.stdout).toMatch(
      / fail +error +0 +\S+ +\d+ ms +\w*Error: the task failed on purpose/,
    );
    // A command's error on one line, its stderr included.
    expect(text.stdout).toMatch(
      / cmd +error +0 +\S+ +\d+ ms +CommandFailedError: Command .* exited with code 3; its standard error ended with: disk full\n/,
    );
    const json = await kairos(['jobs', 'runs', '--store', url, '--job', 'greet', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout) as {
      runs: { jobId: string; outcome: string; result: unknown }[];
      nextCursor: string | null;
    };
    expect(page.runs.map((run) => [run.jobId, run.outcome, run.result])).toEqual([
      ['greet', 'executed', 'hello world'],
    ]);
    expect(page.nextCursor).toBeNull();
    const first = await kairos(['jobs', 'runs', '--store', url, '--limit', '1']);
    expect(first.stderr).toMatch(/^More: add --cursor \S+\n$/);
    const cursor = first.stderr.trim().split(' ').pop() ?? '';
    const next = await kairos(['jobs', 'runs', '--store', url, '--limit', '1', '--cursor', cursor]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout.split('\n')[1]).not.toEqual(first.stdout.split('\n')[1]);
    const bad = await kairos(['jobs', 'runs', '--store', url, '--outcome', 'exploded']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--outcome 'exploded' is not a run outcome");
    // --since and --until as the command reads them (ISO 8601, wall time in the host's zone).
    const since = ['jobs', 'runs', '--store', url, '--job', 'fail', '--since', '2000-01-01'];
    const failed = await kairos([...since, '--outcome', 'error,running']);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toMatch(/ fail +error /);
    const before = await kairos([...since, '--until', '2000-01-02T00:00Z']);
    expect(before).toMatchObject({ code: 0, stdout: 'No runs.\n' });
    // The command's own scheduler is not listed; the application's have all left.
    const nodes = await kairos(['jobs', 'nodes', '--store', url]);
    expect(nodes).toMatchObject({ code: 0, stdout: 'No schedulers.\n' });
  });

  test('an unrestorable job cannot be paused or run, but can be removed', async (context) => {
    if (!available) context.skip();
    for (const action of ['pause', 'run']) {
      const result = await kairos(['jobs', action, 'plugin', '--store', url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("job 'plugin-job' (plugin) cannot be restored");
    }
    const removed = await kairos(['jobs', 'remove', 'plugin', '--store', url]);
    expect(removed).toMatchObject({ code: 0, stdout: "Removed job 'plugin-job' (plugin).\n" });
    expect((await list()).map((job) => job.id)).not.toContain('plugin');
  });

  test('an unknown id exits 1 naming it', async (context) => {
    if (!available) context.skip();
    const result = await kairos(['jobs', 'remove', 'nope', '--store', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("there is no job with id 'nope'");
  });
});

describe('kairos jobs: store URLs', () => {
  test('a SQLite file that does not exist is a usage error, and is not created', async () => {
    const result = await kairos([
      'jobs',
      'list',
      '--store',
      'sqlite:/tmp/kairos-cli-nowhere.sqlite',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("there is no file '/tmp/kairos-cli-nowhere.sqlite'");
    expect(existsSync('/tmp/kairos-cli-nowhere.sqlite')).toBe(false);
  });

  test('--store is required, and KAIROS_STORE stands in for it', async () => {
    expect((await kairos(['jobs', 'list'])).code).toBe(2);
    const dir = await mkdtemp(join(tmpdir(), 'kairos-cli-env-'));
    try {
      const path = join(dir, 'jobs.sqlite');
      await writeFile(path, '');
      const result = await kairos(['jobs', 'list'], { env: { KAIROS_STORE: `sqlite:${path}` } });
      expect(result).toMatchObject({ code: 0, stdout: 'No jobs.\n' });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('an unreachable server exits 1 naming the store without its password', async () => {
    const result = await kairos(['jobs', 'list', '--store', 'postgres://u:secret@127.0.0.1:1/x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot open the job store postgres://u:***@127.0.0.1:1/x');
    expect(result.stderr).not.toContain('secret');
  });
});
