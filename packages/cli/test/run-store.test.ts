/**
 * `kairos run --store`, `kairos crontab import` and `--metrics`, as real processes on a SQLite
 * file: a run missed while no daemon was up runs once at start within `--catch-up` (and is
 * reported missed past it), two daemons on one store (SQLite, PostgreSQL and Redis) fire each
 * run once, an import stores the jobs a daemon then takes over, and `/metrics` counts the runs.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kairos } from './cli.js';
import { Daemon, linesOf, sleep, tempDir } from './daemon.js';
import { POSTGRES_URL, REDIS_URL, deleteRedisKeys, dropPostgresSchema } from './servers.js';

const runId = randomBytes(4).toString('hex');

function jobFile(dir: string, jobs: unknown[]): void {
  writeFileSync(join(dir, 'jobs.json'), JSON.stringify({ jobs }));
}

describe('kairos run --store', () => {
  it('warns of stored jobs of files not named (they run too), and leaves them', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.crontab'), '0 2 * * * echo a\n');
    writeFileSync(join(dir, 'b.crontab'), '0 3 * * * echo b\n');
    const store = ['--store', 'sqlite:jobs.sqlite'];
    const both = new Daemon([...store, 'a.crontab', 'b.crontab'], dir);
    await both.ready();
    expect(await both.stop()).toBe(0);
    expect(both.lines.filter((line) => line.level === 'warn')).toEqual([]);

    const one = new Daemon([...store, 'a.crontab'], dir);
    await one.ready();
    expect(await one.stop()).toBe(0);
    const warning = one.lines.find((line) => line.message.includes('files not named here'));
    expect(warning?.message).toMatch(
      /^the store holds 1 job\(s\) of files not named here \(b\.crontab\.[0-9a-f]{8}\); they run too: name their files, or remove them with kairos jobs remove ID --store URL \(b\.crontab\.[0-9a-f]{8}\/[0-9a-f]{12}\)$/,
    );
  });

  it('runs a run missed while no daemon was up once at start, within --catch-up', async () => {
    const dir = tempDir();
    // Due every 4 s from 2 s from now: the first daemon is killed before, the second starts
    // after two run times have passed, with 3.5 s to claim them before the third (a loaded
    // machine starts a daemon slowly).
    const startDate = new Date(Date.now() + 2_000).toISOString();
    jobFile(dir, [
      {
        name: 'tick',
        trigger: { type: 'interval', seconds: 4, startDate },
        command: 'echo tick >> tick.log',
      },
    ]);
    const first = new Daemon(['--store', 'sqlite:jobs.sqlite', 'jobs.json'], dir);
    await first.ready();
    first.signal('SIGKILL');
    await first.exited;
    expect(first.events('started')).toEqual([]);
    await sleep(Date.parse(startDate) - Date.now() + 4_500);

    const restarted = Date.now();
    const second = new Daemon(
      ['--store', 'sqlite:jobs.sqlite', '--catch-up', '30s', 'jobs.json'],
      dir,
    );
    await second.waitFor('a run', () => second.events('finished').length >= 1);
    expect(await second.stop()).toBe(0);
    // Coalesced: one run for the two missed run times, at once, for the later of them.
    const caughtUp = second
      .events('started')
      .filter((line) => Date.parse(line.due ?? '') < restarted);
    expect(caughtUp).toHaveLength(1);
    expect(Date.parse(caughtUp[0]?.due ?? '')).toBe(Date.parse(startDate) + 4_000);
    expect(second.events('started')[0]).toEqual(caughtUp[0]);
  });

  it('reports a run missed by more than --catch-up as missed', async () => {
    const dir = tempDir();
    const runDate = new Date(Date.now() + 2_500).toISOString();
    jobFile(dir, [
      { name: 'once', trigger: { type: 'date', runDate }, command: 'echo once >> once.log' },
    ]);
    const first = new Daemon(['--store', 'sqlite:jobs.sqlite', 'jobs.json'], dir);
    await first.ready();
    first.signal('SIGKILL');
    await first.exited;
    await sleep(Date.parse(runDate) - Date.now() + 2_000);

    const second = new Daemon(
      ['--store', 'sqlite:jobs.sqlite', '--catch-up', '1s', 'jobs.json'],
      dir,
    );
    await second.waitFor('the missed run', () => second.events('missed').length === 1);
    expect(await second.stop()).toBe(0);
    expect(second.events('missed')[0]?.message).toMatch(/more than --catch-up 1 s/);
    // It never started: no `started` line for it (one was logged at its submission).
    expect(second.events('started')).toEqual([]);
    expect(linesOf(join(dir, 'once.log'))).toEqual([]);
  });
});

/** The stores two daemons share in the test below, each under a name of this run's own. */
const SHARED_STORES: { name: string; url: () => string; cleanup: () => void }[] = [
  { name: 'SQLite', url: () => 'sqlite:jobs.sqlite', cleanup: () => undefined },
  {
    name: 'PostgreSQL',
    url: () => `${POSTGRES_URL}?schema=kairos_cli_run_${runId}`,
    cleanup: () => dropPostgresSchema(`kairos_cli_run_${runId}`),
  },
  {
    name: 'Redis',
    url: () => `${REDIS_URL}?prefix=kairos-cli-run-${runId}:`,
    cleanup: () => deleteRedisKeys(`kairos-cli-run-${runId}:`),
  },
];

describe.each(SHARED_STORES)('kairos run --store on $name', (store) => {
  afterAll(() => store.cleanup());

  it('two daemons on one store fire each run once', async () => {
    const dir = tempDir();
    jobFile(
      dir,
      ['a', 'b', 'c'].map((name) => ({
        name,
        trigger: { type: 'interval', seconds: 1 },
        command: `echo ${name} >> runs.log`,
      })),
    );
    const args = ['--store', store.url(), 'jobs.json'];
    const daemons = [new Daemon(args, dir), new Daemon(args, dir)];
    await Promise.all(daemons.map((daemon) => daemon.ready()));
    await sleep(5_000);
    expect(await Promise.all(daemons.map((daemon) => daemon.stop()))).toEqual([0, 0]);
    const started = daemons.flatMap((daemon) => daemon.events('started'));
    const keys = started.map((line) => `${line.job} ${line.due}`);
    expect(new Set(keys).size).toBe(keys.length); // no run time fired twice
    expect(started.length).toBeGreaterThanOrEqual(3 * 4);
    expect(linesOf(join(dir, 'runs.log'))).toHaveLength(started.length);
    // Both daemons were up throughout (ready before, exit 0 after). Which of them takes a due
    // run is the store's choice: the one that asks first claims all that are due, so one daemon
    // may take every run of the five seconds, and the test does not ask for a split.
  });
});

describe('kairos crontab import', () => {
  it('stores the lines as command jobs with the ids kairos run gives them', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'crontab'),
      'PATH=/usr/bin:/bin\n0 2 * * * /usr/bin/backup --all\n*/15 * * * * echo check%input\n@reboot echo boot\n',
    );
    const store = ['--store', 'sqlite:jobs.sqlite'];
    const imported = await kairos(['crontab', 'import', 'crontab', ...store, '--tz', 'UTC'], {
      cwd: dir,
    });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(
      /^Imported 2 job\(s\) from crontab into sqlite:jobs\.sqlite:\n/,
    );
    expect(imported.stdout).toMatch(/crontab\.[0-9a-f]{8}\/[0-9a-f]{12} +crontab:2 +crontab\[/);
    expect(imported.stderr).toMatch(/skipped crontab:4: @reboot/);

    const again = await kairos(['crontab', 'import', 'crontab', ...store], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^kairos: nothing imported: crontab:\d \(job crontab\.[0-9a-f]{8}\/[0-9a-f]{12}\) is in sqlite:jobs\.sqlite already, so the file was imported before; add --replace to replace its jobs/m,
    );
    expect(again.stderr).not.toMatch(/replaceExisting|addJobs/);
    const replaced = await kairos(
      ['crontab', 'import', 'crontab', ...store, '--replace', '--json'],
      {
        cwd: dir,
      },
    );
    expect(replaced.code).toBe(0);
    const rows = JSON.parse(replaced.stdout) as { id: string; state: string }[];
    expect(rows.map((row) => row.state)).toEqual(['scheduled', 'scheduled']);

    // The stored jobs are the daemon's own: it neither adds nor removes any.
    const daemon = new Daemon([...store, 'crontab'], dir);
    await daemon.ready();
    expect(await daemon.stop()).toBe(0);
    expect(daemon.lines.filter((line) => line.message.startsWith('removed'))).toEqual([]);
    const listed = await kairos(['jobs', 'list', ...store, '--json'], { cwd: dir });
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((row) => row.id).sort()).toEqual(
      rows.map((row) => row.id).sort(),
    );
  });

  it('refuses a crontab with errors and imports nothing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'crontab'), '0 2 * * * ok\n0 25 * * * bad\n');
    const result = await kairos(['crontab', 'import', 'crontab', '--store', 'sqlite:jobs.sqlite'], {
      cwd: dir,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/crontab:2:3: .*hour/);
  });
});

describe('kairos run --metrics', () => {
  it('serves /metrics in Prometheus text format and /healthz', async () => {
    const dir = tempDir();
    jobFile(dir, [
      { name: 'ok', trigger: { type: 'interval', seconds: 1 }, command: 'true' },
      { name: 'broken', schedule: '@reboot', command: 'exit 4' },
    ]);
    const daemon = new Daemon(['--metrics', '127.0.0.1:0', 'jobs.json'], dir);
    await daemon.waitFor('a run of ok', () => daemon.events('finished', 'ok').length >= 1);
    const at = /metrics on (http:\/\/[^ ]+)\/metrics/.exec(
      daemon.lines.find((line) => line.message.startsWith('metrics on'))?.message ?? '',
    )?.[1];
    expect(at).toBeDefined();
    const metrics = await fetch(`${at}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toMatch(
      /^kairos_runs_total\{job="ok",job_id="jobs\.json\.[0-9a-f]{8}\/ok",outcome="executed"\} [1-9]/m,
    );
    expect(text).toMatch(/^kairos_runs_total\{job="broken",.*outcome="error"\} 1$/m);
    expect(text).toMatch(/^kairos_run_duration_seconds_count\{job="ok",.*\} [1-9]/m);
    expect(text).toMatch(/^kairos_run_duration_seconds_bucket\{job="ok",.*le="\+Inf"\} [1-9]/m);
    expect(text).toMatch(/^kairos_last_success_timestamp_seconds\{job="ok",.*\} 1\d{9}/m);
    expect(text).toMatch(/^kairos_next_run_timestamp_seconds\{job="ok",.*\} 1\d{9}/m);
    expect(text).toMatch(/^# TYPE kairos_runs_total counter$/m);
    const health = await fetch(`${at}/healthz`);
    expect(health.status).toBe(200);
    expect(await daemon.stop()).toBe(0);
  });
});

describe('kairos run --metrics on an address in use', () => {
  it('says so in its own words and exits 2 before anything runs', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'crontab'), '@reboot echo ran >> ran.log\n');
    const taken: Server = await new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
    const { port } = taken.address() as { port: number };
    try {
      const result = await kairos(['run', '--metrics', `127.0.0.1:${port}`, 'crontab'], {
        cwd: dir,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `kairos: --metrics 127.0.0.1:${port}: the address is in use (another process listens on it); stop it or choose another port\n`,
      );
      expect(result.stdout).toBe('');
      expect(linesOf(join(dir, 'ran.log'))).toEqual([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('kairos run --metrics with a bad address', () => {
  it('says what is wrong with it: its form, or its port', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'crontab'), '@reboot echo ran >> ran.log\n');
    const badForm = await kairos(['run', '--metrics', 'localhost', 'crontab'], { cwd: dir });
    expect(badForm.code).toBe(2);
    expect(badForm.stderr).toBe(
      "kairos: --metrics 'localhost' is not HOST:PORT; write for example 127.0.0.1:9464 or :9464\n",
    );
    const badPort = await kairos(['run', '--metrics', '127.0.0.1:99999', 'crontab'], { cwd: dir });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toBe(
      "kairos: --metrics '127.0.0.1:99999': port 99999 is not a port number from 0 to 65535\n",
    );
    expect(linesOf(join(dir, 'ran.log'))).toEqual([]);
  });
});

describe('kairos run --store: a reload with a line Kairos refuses', () => {
  it('is not applied: the stored jobs stay as they were', async () => {
    const dir = tempDir();
    const file = join(dir, 'crontab');
    writeFileSync(file, '0 2 * * * echo backup\n0 3 * * * echo report\n');
    const store = ['--store', 'sqlite:jobs.sqlite'];
    const listJobs = async (): Promise<unknown> =>
      JSON.parse((await kairos(['jobs', 'list', ...store, '--json'], { cwd: dir })).stdout);
    const daemon = new Daemon(['--no-watch', ...store, 'crontab'], dir);
    await daemon.ready();
    const before = await listJobs();
    // The first line changes; the second loses its command.
    writeFileSync(file, '0 4 * * * echo backup\n0 3 * * *\n');
    daemon.signal('SIGHUP');
    await daemon.waitFor('the refused reload', () =>
      daemon.lines.some((line) => line.message.includes('not reloaded')),
    );
    expect(daemon.lines.map((line) => line.message)).toContain(
      'crontab:2:10: this line has a schedule but no command, so Kairos has nothing to run; write the command after the schedule, or remove the line',
    );
    expect(await listJobs()).toEqual(before);
    expect(await daemon.stop()).toBe(0);
    expect(daemon.lines.filter((line) => line.message.startsWith('removed'))).toEqual([]);
  });
});
