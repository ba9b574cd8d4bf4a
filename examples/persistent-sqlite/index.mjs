// Jobs in a SQLite file: run it, stop it (Ctrl-C), run it again — the jobs are still there, with
// the run times they had. The first run adds them; later runs find them in the file.
//
//   node examples/persistent-sqlite/index.mjs [--db jobs.sqlite] [--for SECONDS]
//   node examples/persistent-sqlite/index.mjs --smoke   (CI: two runs in a row on a temp file)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BlockingScheduler } from 'kairos';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'jobs.sqlite' },
    for: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
});

if (values.smoke) smoke();
else await run(values.db, values.for === undefined ? null : Number(values.for));

async function run(path, seconds) {
  const log = (line) => console.log(`${new Date().toISOString().slice(11, 23)}  ${line}`);
  const scheduler = new BlockingScheduler({
    timezone: 'UTC',
    jobstores: { default: { type: 'sqlite', path } },
    // A persistent store keeps task names, never code: register what the jobs refer to.
    tasks: {
      tick: () => log('tick'),
      digest: (topic) => log(`digest of ${topic}`),
      remind: (what) => log(`reminder: ${what}`),
      stop: () => void scheduler.shutdown(),
    },
  });
  scheduler.on('job_missed', (event) => log(`missed a run of ${event.jobId} while stopped`));
  scheduler.on('scheduler_started', () => void report(scheduler, path, seconds));
  await scheduler.start();
  log('stopped; run again to find the jobs where they were');
}

/** Lists what the file held, then adds the jobs that are not there yet. */
async function report(scheduler, path, seconds) {
  const found = await scheduler.getJobs();
  console.log(`\n${found.length} job(s) in ${path}:`);
  await scheduler.printJobs();
  // Fixed ids and replaceExisting: added the first time, kept as they are (next run time
  // included) when they are already stored and their trigger is unchanged.
  await scheduler.addJob(
    'tick',
    { type: 'interval', seconds: 2 },
    { id: 'tick', replaceExisting: true },
  );
  await scheduler.addJob(
    'digest',
    { type: 'cron', second: '*/5' },
    {
      id: 'digest',
      args: ['the news'],
      replaceExisting: true,
    },
  );
  if (!found.some((job) => job.id === 'reminder')) {
    const at = new Date(Date.now() + 3_600_000);
    await scheduler.addJob(
      'remind',
      { type: 'date', runDate: at },
      { id: 'reminder', args: ['stretch'] },
    );
    console.log(
      `first run: added a reminder for ${at.toISOString()}; it will still be there next time`,
    );
  }
  if (seconds !== null) {
    await scheduler.addJob(
      'stop',
      { type: 'date', runDate: new Date(Date.now() + seconds * 1000) },
      {
        id: 'stop',
        replaceExisting: true,
      },
    );
  }
  console.log(seconds === null ? 'Ctrl-C to stop.\n' : `stopping after ${seconds} s\n`);
}

/** Two runs on one temp file: the second must find the jobs the first added. */
function smoke() {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-persistent-'));
  const db = join(dir, 'jobs.sqlite');
  const self = fileURLToPath(import.meta.url);
  try {
    const outputs = [1, 2].map((round) => {
      const result = spawnSync(process.execPath, [self, '--db', db, '--for', '3'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      process.stdout.write(`--- run ${round} ---\n${result.stdout}${result.stderr}`);
      if (result.status !== 0) throw new Error(`run ${round} exited with ${result.status}`);
      return result.stdout;
    });
    if (!outputs[0].includes('0 job(s) in')) throw new Error('the first run found jobs already');
    if (!/[1-9]\d* job\(s\) in/.test(outputs[1]) || !outputs[1].includes('remind (trigger: date')) {
      throw new Error('the second run did not find the jobs the first one stored');
    }
    if (!outputs[1].includes('tick')) throw new Error('the second run did not run the stored jobs');
    console.log('smoke: the second run found and ran the jobs the first one stored');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
