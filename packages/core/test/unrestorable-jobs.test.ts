// Stored jobs the scheduler cannot restore: listed by getJobs/getJob/printJobs as
// 'unrestorable' with their cause, removable, announced once per store start by
// EVENT_JOB_UNRESTORABLE (DESIGN §4.2).
import { describe, expect, it } from 'vitest';
import {
  EVENT_JOB_UNRESTORABLE,
  JobLookupError,
  TaskLookupError,
  UnrestorableJob,
  UnrestorableJobError,
  type JobUnrestorableEvent,
} from '../src/index.js';
import { at, makeScheduler } from './helpers.js';
import { JsonJobStore } from './json-store.js';

const noop = (): void => {};

/** A scheduler on a JsonJobStore holding job 'ghost' (task 'ghost', not registered) and 'good'. */
async function withGhost() {
  const store = new JsonJobStore();
  const setup = makeScheduler({ jobstores: { default: store } });
  setup.scheduler.registerTask('noop', noop);
  setup.scheduler.registerTask('ghost', noop);
  await setup.scheduler.start();
  await setup.scheduler.addJob(
    'ghost',
    { type: 'interval', seconds: 10 },
    {
      id: 'ghost',
      name: 'Ghost job',
    },
  );
  await setup.scheduler.addJob('noop', { type: 'interval', seconds: 5 }, { id: 'good' });
  await setup.scheduler.shutdown();
  // The next process has no task 'ghost'.
  const next = makeScheduler({ jobstores: { default: store }, clock: setup.clock });
  next.scheduler.registerTask('noop', noop);
  await next.scheduler.start();
  return { store, ...next };
}

describe('a stored job whose task cannot be loaded', () => {
  it('is listed by getJobs with its state and cause, after the jobs that restore', async () => {
    const { scheduler } = await withGhost();
    const jobs = await scheduler.getJobs();
    expect(jobs.map((job) => [job.id, job.state])).toEqual([
      ['good', 'scheduled'],
      ['ghost', 'unrestorable'],
    ]);
    const ghost = jobs[1];
    expect(ghost).toBeInstanceOf(UnrestorableJob);
    if (ghost?.state !== 'unrestorable') throw new Error('narrowing on state');
    expect(ghost.name).toBe('Ghost job');
    expect(ghost.jobstore).toBe('default');
    expect(ghost.nextRunTime).toEqual(new Date(at(10)));
    expect(ghost.cause).toBeInstanceOf(TaskLookupError);
    expect(String(ghost.cause)).toMatch(/'ghost'/);
    expect(JSON.parse(ghost.document as string)).toMatchObject({ id: 'ghost', task: 'ghost' });
    await scheduler.shutdown();
  });

  it('is found by getJob, and removeJob removes it', async () => {
    const { scheduler, store } = await withGhost();
    const ghost = await scheduler.getJob('ghost');
    expect(ghost?.state).toBe('unrestorable');
    expect(await scheduler.getJob('ghost', 'default')).toMatchObject({ id: 'ghost' });
    expect((await scheduler.getJob('good'))?.state).toBe('scheduled');
    expect(await scheduler.getJob('missing')).toBeNull();
    await scheduler.removeJob('ghost');
    expect(store.rows.has('ghost')).toBe(false);
    expect(await scheduler.getJob('ghost')).toBeNull();
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['good']);
    await scheduler.shutdown();
  });

  it('refuses pause, resume, modify, reschedule and runJob with UnrestorableJobError', async () => {
    const { scheduler } = await withGhost();
    const attempts: [string, () => Promise<unknown>][] = [
      ['pauseJob', () => scheduler.pauseJob('ghost')],
      ['resumeJob', () => scheduler.resumeJob('ghost')],
      ['modifyJob', () => scheduler.modifyJob('ghost', { name: 'x' })],
      ['rescheduleJob', () => scheduler.rescheduleJob('ghost', { type: 'interval', seconds: 1 })],
      ['runJob', () => scheduler.runJob('ghost')],
    ];
    for (const [name, attempt] of attempts) {
      const error: unknown = await attempt().then(
        () => new Error(`${name} did not throw`),
        (thrown: unknown) => thrown,
      );
      expect(error, name).toBeInstanceOf(UnrestorableJobError);
      expect((error as UnrestorableJobError).jobId).toBe('ghost');
      expect((error as Error).message).toMatch(
        /^Job 'ghost' is stored in job store 'default' but cannot be restored \(TaskLookupError: .*'ghost'.*\); make its task loadable .*removeJob\('ghost'\)$/,
      );
    }
    // A job that is not there at all is still a JobLookupError.
    await expect(scheduler.pauseJob('missing')).rejects.toBeInstanceOf(JobLookupError);
    await scheduler.shutdown();
  });

  it('is printed with its state and cause', async () => {
    const { scheduler } = await withGhost();
    let text = '';
    await scheduler.printJobs({ out: { write: (chunk: string) => (text += chunk) } });
    const lines = text.split('\n');
    expect(lines.slice(0, 2)).toEqual([
      'Jobstore default:',
      '    noop (trigger: interval[0:00:05], next run at: 2030-01-01 00:00:05 UTC)',
    ]);
    expect(lines[2]).toMatch(
      /^ {4}Ghost job \(id: ghost, unrestorable: TaskLookupError: Task 'ghost'.*\)$/,
    );
    expect(lines.slice(3)).toEqual(['']);
    await scheduler.shutdown();
  });

  it('emits EVENT_JOB_UNRESTORABLE once per store start, and the loop runs the others', async () => {
    const { scheduler, events, clock, logger, errors } = await withGhost();
    await clock.advance(20_000);
    await scheduler.getJobs();
    await scheduler.getJob('ghost');
    expect(events.only('job_unrestorable')).toHaveLength(1);
    const [event] = events.named<JobUnrestorableEvent>('job_unrestorable');
    expect(event?.code).toBe(EVENT_JOB_UNRESTORABLE);
    expect([event?.jobId, event?.jobstore]).toEqual(['ghost', 'default']);
    expect(event?.exception).toBeInstanceOf(TaskLookupError);
    expect(events.only('job_executed')).toHaveLength(4);
    expect(logger.messages('error')).toEqual([
      "Job ghost in job store 'default' cannot be restored and is skipped; it stays stored until it is fixed (register its task, replace or remove the job)",
    ]);
    expect(errors).toEqual([]);
    await scheduler.shutdown();
    await scheduler.start();
    await scheduler.getJobs();
    expect(events.only('job_unrestorable')).toHaveLength(2);
    await scheduler.shutdown();
  });

  it('is replaced by addJob with replaceExisting, and then restores', async () => {
    const { scheduler } = await withGhost();
    await scheduler.getJobs();
    await scheduler.addJob(
      'noop',
      { type: 'interval', seconds: 10 },
      {
        id: 'ghost',
        replaceExisting: true,
      },
    );
    expect((await scheduler.getJob('ghost'))?.state).toBe('scheduled');
    await scheduler.shutdown();
  });
});

describe('Job.state', () => {
  it('is pending before start, then scheduled or paused', async () => {
    const { scheduler } = makeScheduler();
    const added = await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'a' });
    await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'p', nextRunTime: null });
    expect((await scheduler.getJobs()).map((job) => job.state)).toEqual(['pending', 'pending']);
    expect((await scheduler.getJob('a'))?.state).toBe('pending');
    await scheduler.start();
    expect((await scheduler.getJobs()).map((job) => [job.id, job.state])).toEqual([
      ['a', 'scheduled'],
      ['p', 'paused'],
    ]);
    expect(added.id).toBe('a');
    await scheduler.shutdown();
  });
});
