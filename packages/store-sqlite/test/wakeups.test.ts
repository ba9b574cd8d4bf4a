/**
 * Wake-ups through `PRAGMA data_version`: a store learns of commits made by other connections
 * and wakes its scheduler for the earliest job; its own writes do not wake it.
 */
import { rmSync } from 'node:fs';
import { RecordingLogger, TestStoreContext } from '@kairos/testkit';
import { describe, expect, it, vi } from 'vitest';
import type { SQLiteJobStore } from '../src/index.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();

/** Two stores on one file, each with its own connection and context. */
async function pair(pollInterval: number): Promise<{
  watcher: SQLiteJobStore;
  watching: TestStoreContext;
  writer: SQLiteJobStore;
  writing: TestStoreContext;
}> {
  const path = fixtures.file();
  const watcher = await fixtures.start({ path, pollInterval });
  const writer = await fixtures.start({ path, pollInterval });
  return {
    watcher: watcher.store,
    watching: watcher.context,
    writer: writer.store,
    writing: writer.context,
  };
}

/** Real time passing, for polls that did not happen to have a chance to. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('SQLiteJobStore wake-ups', () => {
  it("wakes the scheduler with the earliest run time after another connection's commit", async () => {
    const { watcher, watching, writer, writing } = await pair(0.02);
    const now = writing.clock.now();
    await writer.addJob(writing.job({ id: 'later', nextRunTime: now + 5000 }));
    await vi.waitFor(() => expect(watching.wakeups).toEqual([now + 5000]));
    await writer.addJob(writing.job({ id: 'sooner', nextRunTime: now + 100 }));
    await vi.waitFor(() => expect(watching.wakeups).toEqual([now + 5000, now + 100]));
    // A later job leaves the earliest as it was: the wakeup names that one.
    await writer.addJob(writing.job({ id: 'latest', nextRunTime: now + 9000 }));
    await vi.waitFor(() => expect(watching.wakeups).toEqual([now + 5000, now + 100, now + 100]));
    await watcher.addJob(watching.job({ id: 'own', nextRunTime: now + 1 }));
    await sleep(100);
    expect(watching.wakeups).toHaveLength(3);
    await vi.waitFor(() => expect(writing.wakeups).toEqual([now + 1]));
  });

  it('does not wake the scheduler when no job is scheduled after the change', async () => {
    const { watching, writer, writing } = await pair(0.02);
    await writer.addJob(writing.job({ id: 'paused', nextRunTime: null }));
    await writer.removeJob('paused');
    await sleep(100);
    expect(watching.wakeups).toEqual([]);
  });

  it('does not poll with pollInterval 0, nor after shutdown', async () => {
    const quiet = await pair(0);
    await quiet.writer.addJob(quiet.writing.job({ id: 'a' }));
    await sleep(100);
    expect(quiet.watching.wakeups).toEqual([]);

    const stopped = await pair(0.02);
    await stopped.watcher.shutdown();
    await stopped.writer.addJob(stopped.writing.job({ id: 'a' }));
    await sleep(100);
    expect(stopped.watching.wakeups).toEqual([]);
  });
});

describe('SQLiteJobStore when its file goes', () => {
  it('says once, as an error, that its file was deleted while open', async () => {
    const path = fixtures.file();
    const logger = new RecordingLogger();
    const { store, context } = await fixtures.start(
      { path, pollInterval: 0.02 },
      new TestStoreContext({ logger }),
    );
    await store.addJob(context.job({ id: 'a' }));
    for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    await vi.waitFor(() => expect(logger.messages('error')).toHaveLength(1));
    expect(logger.messages('error')[0]).toMatch(
      /^SQLiteJobStore 'default': the database file '.*\.sqlite' was deleted while the store has it open: what it writes goes to a file no other process sees and is lost when the store closes it\. Put the file back/,
    );
    await sleep(100);
    expect(logger.messages('error')).toHaveLength(1);
  });
});
