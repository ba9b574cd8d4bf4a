import { EventEmitter } from 'node:events';
import { RecordingLogger, TestStoreContext, waitFor } from '@kairos/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ChangeWatcher, type ChangeFeed } from '../src/wakeups.js';
import type { WakeupChange } from '../src/queries.js';
import { sleep, textOf } from './helpers.js';

/** A change stream driven by the test. */
class FakeFeed extends EventEmitter implements ChangeFeed {
  closed = false;

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  confirm(): void {
    this.emit('resumeTokenChanged', {});
  }

  change(change: Omit<WakeupChange, '_id'>): void {
    this.emit('change', { _id: {}, ...change });
  }
}

describe('ChangeWatcher', () => {
  let watchers: ChangeWatcher[] = [];

  afterEach(async () => {
    for (const watcher of watchers) await watcher.stop();
    watchers = [];
  });

  function setUp(
    options: { earliest?: () => Promise<number | null>; openTimeoutMs?: number } = {},
  ) {
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    const feeds: FakeFeed[] = [];
    const watcher = new ChangeWatcher({
      watch: () => {
        const feed = new FakeFeed();
        feeds.push(feed);
        return feed;
      },
      earliest: options.earliest ?? (() => Promise.resolve(null)),
      context,
      pollIntervalMs: 20,
      where: 'store',
      openTimeoutMs: options.openTimeoutMs,
    });
    watchers.push(watcher);
    return { watcher, context, logger, feeds };
  }

  it('resolves start once the stream is confirmed, then wakes with each change', async () => {
    const { watcher, context, feeds } = setUp();
    let started = false;
    const starting = watcher.start().then(() => (started = true));
    await sleep(10);
    expect(started).toBe(false);
    feeds[0]?.confirm();
    await starting;
    expect(watcher.streaming).toBe(true);
    feeds[0]?.change({ operationType: 'insert', fullDocument: { nextRunTime: 42 } });
    feeds[0]?.change({ operationType: 'insert', fullDocument: { nextRunTime: 'not a time' } });
    expect(context.wakeups).toEqual([42]);
  });

  it('uses a stream that never confirms after the open timeout', async () => {
    const { watcher, feeds, context } = setUp({ openTimeoutMs: 30 });
    await watcher.start();
    expect(watcher.streaming).toBe(true);
    feeds[0]?.change({ operationType: 'replace', fullDocument: { nextRunTime: 7 } });
    expect(context.wakeups).toEqual([7]);
  });

  it('polls after the collection is dropped (invalidate), waking the scheduler first', async () => {
    const { watcher, feeds, context, logger } = setUp({ earliest: () => Promise.resolve(100) });
    const starting = watcher.start();
    feeds[0]?.confirm();
    await starting;
    feeds[0]?.change({ operationType: 'invalidate' });
    expect(feeds[0]?.closed).toBe(true);
    expect(textOf(logger.entries)[0]).toMatch(
      /^warn store: its change stream failed \(the jobs collection was dropped or renamed\)/,
    );
    // The first poll wakes with the earliest time: changes may have been missed.
    expect(await waitFor(() => context.wakeups.length > 0)).toBe(true);
    expect(context.wakeups).toEqual([100]);
    // Then it reopens the stream at a poll, and wakes once more for the gap.
    expect(await waitFor(() => feeds.length === 2)).toBe(true);
    feeds[1]?.confirm();
    expect(await waitFor(() => context.wakeups.length === 2)).toBe(true);
    expect(context.wakeups).toEqual([100, undefined]);
    expect(watcher.streaming).toBe(true);
  });

  it('logs a wakeup that throws instead of throwing from the event handler', async () => {
    const { watcher, feeds, context, logger } = setUp();
    context.wakeup = () => {
      throw new Error('scheduler gone');
    };
    const starting = watcher.start();
    feeds[0]?.confirm();
    await starting;
    feeds[0]?.change({ operationType: 'insert', fullDocument: { nextRunTime: 1 } });
    expect(textOf(logger.entries)).toEqual([
      'warn store: waking the scheduler failed (scheduler gone)',
    ]);
  });

  it('throws from start when the first poll fails', async () => {
    const { watcher, feeds } = setUp({ earliest: () => Promise.reject(new Error('no server')) });
    const starting = watcher.start();
    await sleep(0);
    feeds[0]?.emit('error', Object.assign(new Error('standalone'), { code: 40573 }));
    await expect(starting).rejects.toThrow('no server');
  });

  it('gives up a pending open on stop', async () => {
    const { watcher, feeds } = setUp();
    const starting = watcher.start();
    await watcher.stop();
    await starting;
    expect(feeds[0]?.closed).toBe(true);
    expect(watcher.streaming).toBe(false);
  });
});
