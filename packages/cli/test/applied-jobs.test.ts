// How the daemon applies a set of jobs, and says which one the scheduler refused.
import { BackgroundScheduler, CronTrigger } from 'kairos';
import { afterEach, describe, expect, it } from 'vitest';
import { AppliedJobs, ApplyFailedError, BOOT_STORE, STORE } from '../src/daemon/applied-jobs.js';
import type { FileJob } from '../src/daemon/job-files.js';
import { namedJobId } from '../src/daemon/job-ids.js';
import { OverlapControl } from '../src/daemon/overlap.js';
import { DaemonLog } from '../src/daemon/run-log.js';

const schedulers: BackgroundScheduler[] = [];

afterEach(async () => {
  for (const scheduler of schedulers.splice(0)) await scheduler.shutdown({ wait: false });
});

/** An AppliedJobs on a started (paused) scheduler with the daemon's two memory stores. */
async function appliedJobs(): Promise<{ applied: AppliedJobs; scheduler: BackgroundScheduler }> {
  const scheduler = new BackgroundScheduler({
    timezone: 'UTC',
    jobstores: { [STORE]: { type: 'memory' }, [BOOT_STORE]: { type: 'memory' } },
    commands: true,
    taskModules: [],
    daemon: false,
  });
  schedulers.push(scheduler);
  await scheduler.start({ paused: true });
  const log = new DaemonLog(() => undefined, { json: false });
  return {
    applied: new AppliedJobs(scheduler, new OverlapControl(scheduler, log), log),
    scheduler,
  };
}

/** A job of `jobs.json` named `name`. */
function fileJob(name: string, task: FileJob['task']): FileJob {
  return {
    id: namedJobId('jobs.json', name),
    name,
    source: `jobs.json job '${name}'`,
    task,
    trigger: CronTrigger.fromCrontab('0 2 * * *', 'UTC'),
    overlap: 'forbid',
    fingerprint: JSON.stringify([name, task]),
  };
}

describe('AppliedJobs.apply', () => {
  it('names the job the scheduler refused, also when another id is the start of its id', async () => {
    const { applied, scheduler } = await appliedJobs();
    const backup = fileJob('backup', { command: 'echo backup' });
    // An empty program: the scheduler refuses it (kairos run's file check would find it first).
    const backupDb = fileJob('backup-db', { argv: [''] });
    expect(backupDb.id.startsWith(backup.id)).toBe(true);

    const failure = await applied.apply([backup, backupDb]).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApplyFailedError);
    expect(failure).toMatchObject({ partly: false });
    expect((failure as Error).message).toMatch(
      /^jobs\.json job 'backup-db': the scheduler refused the job: addJobs entry 1 /,
    );
    expect(await scheduler.getJobs()).toEqual([]); // all or nothing
  });

  it('names the first job when it is the one refused', async () => {
    const { applied } = await appliedJobs();
    const failure = await applied
      .apply([fileJob('backup', { argv: [''] }), fileJob('backup-db', { command: 'true' })])
      .catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(
      /^jobs\.json job 'backup': the scheduler refused the job: addJobs entry 0 /,
    );
  });
});
