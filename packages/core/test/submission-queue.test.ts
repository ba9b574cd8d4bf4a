/**
 * SubmissionQueue, the waiting line the run layer keeps in front of each executor: order, the limit, nothing started
 * inside push, sync and async completions, drop and whenIdle.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/index.js';
import { SubmissionQueue } from '../src/runs/queue.js';

/** What the run layer queues: a job and its run times. */
interface Submission {
  readonly job: Job;
  readonly runTimes: readonly number[];
}

/** A submission whose job is only an id (the queue never looks further). */
function submission(id: string): Submission {
  return { job: { id } as Job, runTimes: [0] };
}

/** A queue whose submissions finish when the test says so (or at once, for ids starting 'sync'). */
function harness(limit: number) {
  const started: string[] = [];
  const finished: string[] = [];
  const release = new Map<string, () => void>();
  const queue = new SubmissionQueue<Submission>(
    limit,
    ({ job }) => {
      started.push(job.id);
      if (job.id.startsWith('sync')) return undefined;
      return new Promise<void>((resolve) => release.set(job.id, resolve));
    },
    ({ job }) => finished.push(job.id),
  );
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return { queue, started, finished, release: (id: string) => release.get(id)?.(), flush };
}

describe('SubmissionQueue', () => {
  it('starts in order from a microtask, at most limit at a time', async () => {
    const { queue, started, finished, release, flush } = harness(2);
    for (const id of ['a', 'b', 'c', 'd']) queue.push(submission(id));
    expect(started).toEqual([]);
    await flush();
    expect(started).toEqual(['a', 'b']);
    expect([queue.active, queue.waiting]).toEqual([2, 2]);
    release('b');
    await flush();
    expect(finished).toEqual(['b']);
    expect(started).toEqual(['a', 'b', 'c']);
    release('a');
    release('c');
    await flush();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(finished).toEqual(['b', 'a', 'c']);
  });

  it('finishes sync submissions in the same drain, freeing their slots at once', async () => {
    const { queue, started, finished, flush } = harness(1);
    for (const id of ['sync1', 'sync2', 'sync3']) queue.push(submission(id));
    await flush();
    expect(started).toEqual(['sync1', 'sync2', 'sync3']);
    expect(finished).toEqual(['sync1', 'sync2', 'sync3']);
    expect([queue.active, queue.waiting]).toEqual([0, 0]);
  });

  it('drops the waiting submissions, and whenIdle waits for the running ones', async () => {
    const { queue, started, finished, release, flush } = harness(1);
    for (const id of ['a', 'b', 'c']) queue.push(submission(id));
    await flush();
    expect(queue.drop().map(({ job }) => job.id)).toEqual(['b', 'c']);
    let idle = false;
    void queue.whenIdle().then(() => {
      idle = true;
    });
    await flush();
    expect(idle).toBe(false);
    release('a');
    await flush();
    expect(idle).toBe(true);
    expect(started).toEqual(['a']);
    expect(finished).toEqual(['a']);
    await expect(queue.whenIdle()).resolves.toBeUndefined();
  });
});
