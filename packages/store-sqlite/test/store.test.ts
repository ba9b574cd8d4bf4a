/**
 * SQLiteJobStore beyond the conformance suite: its connection (own, given, in memory), the
 * paging of the fire step, corrupt rows, a locked database, a lost connection, and claims
 * racing a writer on another thread.
 */
import { JobLookupError, type Job } from '@kairos/core';
import { RecordingLogger, TestStoreContext } from '@kairos/testkit';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { SQLiteJobStore } from '../src/index.js';
import { dueIds, sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();
const MINUTE = 60_000;

describe('SQLiteJobStore', () => {
  it('rejects every call before start() and after shutdown(), saying what to do', async () => {
    const store = new SQLiteJobStore({ path: fixtures.file() });
    await expect(store.lookupJob('a')).rejects.toThrow(
      /SQLiteJobStore \(table "kairos_jobs"\) is not started; add it to a scheduler/,
    );
    await store.start(new TestStoreContext(), 'default');
    await store.shutdown();
    await expect(store.getNextRunTime()).rejects.toThrow(/is not started/);
    await store.shutdown();
  });

  it('uses a database it is given as it is, and leaves it open', async () => {
    const path = fixtures.file();
    const database = fixtures.connect(path);
    const { store, context } = await fixtures.start({ database });
    await store.addJob(context.job({ id: 'a' }));
    expect(database.pragma('journal_mode', { simple: true })).toBe('delete');
    await store.shutdown();
    expect(database.open).toBe(true);
    expect(database.prepare('SELECT id FROM kairos_jobs').pluck().all()).toEqual(['a']);
    await store.start(new TestStoreContext(), 'default');
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual(['a']);
  });

  it('refuses to start on a given database that is closed', async () => {
    const database = fixtures.connect(':memory:');
    database.close();
    const store = new SQLiteJobStore({ database });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /the database given in option 'database' \(in memory\) is closed; pass an open connection/,
    );
  });

  it("keeps ':memory:' jobs private to one instance and drops them at shutdown", async () => {
    const first = await fixtures.start({ path: ':memory:' });
    const second = await fixtures.start({ path: ':memory:' });
    await first.store.addJob(first.context.job({ id: 'a' }));
    expect(await second.store.lookupJob('a')).toBeNull();
    await first.store.shutdown();
    await first.store.start(new TestStoreContext(), 'default');
    expect(await first.store.getAllJobs()).toEqual([]);
  });

  it('reads on past jobs that advance leaves alone until it has claimed limit jobs', async () => {
    const { store, context } = await fixtures.start({ path: fixtures.file() });
    const now = context.clock.now();
    for (let index = 0; index < 5; index += 1) {
      await store.addJob(context.job({ id: `stuck${index}`, nextRunTime: now - 100 + index }));
    }
    for (let index = 0; index < 3; index += 1) {
      await store.addJob(context.job({ id: `fine${index}`, nextRunTime: now - 50 + index }));
    }
    const claimed = await store.claimDueJobs({
      now,
      limit: 2,
      advance: (job) => (job.id.startsWith('stuck') ? undefined : null),
    });
    expect(claimed.map((run) => run.job.id)).toEqual(['fine0', 'fine1']);
    expect(await dueIds(store, now)).toEqual([
      'stuck0',
      'stuck1',
      'stuck2',
      'stuck3',
      'stuck4',
      'fine2',
    ]);
  });

  it('claims a job once per call even when its successor is still due', async () => {
    const { store, context } = await fixtures.start({ path: fixtures.file() });
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'stuck', nextRunTime: now - 10 }));
    await store.addJob(context.job({ id: 'a', nextRunTime: now - 5 }));
    await store.addJob(context.job({ id: 'b', nextRunTime: now - 3 }));
    const asked: string[] = [];
    const claimed = await store.claimDueJobs({
      now,
      limit: 2,
      advance: (job) => {
        asked.push(job.id);
        if (job.id === 'stuck') return undefined;
        // Still due, and placed after the first page: the second page meets it again.
        return context.withFields(job, { nextRunTimeMs: now - 4 });
      },
    });
    expect(asked).toEqual(['stuck', 'a', 'b']);
    expect(claimed.map((run) => run.job.id)).toEqual(['a', 'b']);
  });

  it('keeps a row whose document is not JSON, skips it and reports it once', async () => {
    const path = fixtures.file();
    const { store, context } = await fixtures.start({ path });
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'good', nextRunTime: now }));
    fixtures
      .connect(path)
      .prepare('INSERT INTO kairos_jobs (id, next_run_time, state) VALUES (?, ?, ?)')
      .run('broken', now - 1, '{not json');
    expect(await store.lookupJob('broken')).toBeNull();
    expect(await dueIds(store, now)).toEqual(['good']);
    expect(await store.getNextRunTime()).toBe(now);
    const claimed = await store.claimDueJobs({ now, limit: 1, advance: () => null });
    expect(claimed.map((run) => run.job.id)).toEqual(['good']);
    expect(context.reported.map((report) => report.id)).toEqual(['broken']);
    expect(String(context.reported[0]?.error)).toMatch(
      /stored job \(id "broken"\).* is not valid JSON/,
    );
    expect(fixtures.connect(path).prepare('SELECT state FROM kairos_jobs').pluck().all()).toEqual([
      '{not json',
    ]);
    await expect(store.updateJob(context.job({ id: 'gone' }))).rejects.toThrow(JobLookupError);
  });

  it('rejects writes, saying the file is locked, while another connection holds the lock, then works again', async () => {
    const path = fixtures.file();
    const { store, context } = await fixtures.start({ path, busyTimeout: 0.05 });
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'a', nextRunTime: now }));
    const other = fixtures.connect(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const busy = {
        name: 'JobStoreError',
        message: expect.stringMatching(
          /^SQLiteJobStore 'default': the database file '.*\.sqlite' is locked: another connection held its write lock for longer than option 'busyTimeout' \(0\.05 s\) \(database is locked\); nothing was written: retry later, or find the program that holds the lock/,
        ) as unknown,
        cause: expect.objectContaining({ code: 'SQLITE_BUSY' }) as unknown,
      };
      await expect(
        store.claimDueJobs({ now, limit: 10, advance: () => null }),
      ).rejects.toMatchObject(busy);
      await expect(store.addJob(context.job({ id: 'b' }))).rejects.toMatchObject(busy);
      // Readers do not wait for the writer in WAL mode.
      expect(await dueIds(store, now)).toEqual(['a']);
    } finally {
      other.exec('COMMIT');
    }
    const claimed = await store.claimDueJobs({ now, limit: 10, advance: () => null });
    expect(claimed.map((run) => run.job.id)).toEqual(['a']);
    await store.addJob(context.job({ id: 'b' }));
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual(['b']);
  });

  it('rejects calls after its given connection was closed, and its poll warns once', async () => {
    const path = fixtures.file();
    const database = fixtures.connect(path);
    const logger = new RecordingLogger();
    const { store } = await fixtures.start(
      { database, pollInterval: 0.01 },
      new TestStoreContext({ logger }),
    );
    database.close();
    await expect(store.getAllJobs()).rejects.toThrow(/not open/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(logger.messages('warn')).toHaveLength(1);
    expect(logger.messages('warn')[0]).toMatch(
      /SQLiteJobStore 'default': checking for changes made by other processes failed; retrying every 10 ms/,
    );
  });

  it('gives each due job to one claimer while another thread claims the same rows', async () => {
    const path = fixtures.file();
    const { store, context } = await fixtures.start({ path });
    const now = context.clock.now();
    const count = 2000;
    const filler = fixtures.connect(path);
    const add = filler.prepare(
      'INSERT INTO kairos_jobs (id, next_run_time, state) VALUES (?, ?, ?)',
    );
    const template = context.serializeJob(context.job({ id: 'template' }));
    filler.transaction(() => {
      for (let index = 0; index < count; index += 1) {
        const id = `job-${index}`;
        const time = now - (index % 13);
        add.run(id, time, JSON.stringify({ ...template, id, name: id, nextRunTime: time }));
      }
    })();
    const go = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(RIVAL_CLAIMER, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path,
        now,
        go,
      },
    });
    const messages: unknown[] = [];
    const rival = new Promise<string[]>((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        messages.push(message);
        if (Array.isArray(message)) resolve(message as string[]);
      });
      worker.once('error', reject);
    });
    // Both start claiming at once: the worker is ready and waits for the signal.
    await vi.waitFor(() => expect(messages).toEqual(['ready']));
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    const mine: string[] = [];
    const advance = (job: Job): Job =>
      context.withFields(job, { nextRunTimeMs: (job.nextRunTimeMs ?? 0) + MINUTE });
    for (;;) {
      const batch = await store.claimDueJobs({ now, limit: 5, advance });
      if (batch.length === 0) break;
      mine.push(...batch.map((run) => run.job.id));
      // A scheduler's passes are apart; the gap lets the rival take the lock now and then.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const theirs = await rival;
    await worker.terminate();
    // Both won some: the claims really raced.
    expect(mine.length, 'jobs this store claimed').toBeGreaterThan(0);
    expect(theirs.length, 'jobs the rival claimed').toBeGreaterThan(0);
    expect(mine.length + theirs.length).toBe(count);
    expect(new Set([...mine, ...theirs]).size).toBe(count);
    const late = fixtures
      .connect(path)
      .prepare<[number], number>('SELECT count(*) FROM kairos_jobs WHERE next_run_time <= ?')
      .pluck()
      .get(now);
    expect(late).toBe(0);
    const advancedTwice = fixtures
      .connect(path)
      .prepare<[number], number>('SELECT count(*) FROM kairos_jobs WHERE next_run_time > ?')
      .pluck()
      .get(now + MINUTE);
    expect(advancedTwice).toBe(0);
  });
});

/**
 * A rival scheduler on another thread (real parallelism, unlike two stores in one thread):
 * claims due rows in BEGIN IMMEDIATE transactions of its own, a few at a time, and posts the
 * ids it won.
 */
const RIVAL_CLAIMER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// No busy handler: on SQLITE_BUSY it retries at once, so it takes the lock whenever it is free.
const db = new Database(workerData.path, { timeout: 0 });
const due = db.prepare('SELECT id FROM kairos_jobs WHERE next_run_time <= ? ORDER BY next_run_time LIMIT 3').pluck();
const advance = db.prepare('UPDATE kairos_jobs SET next_run_time = next_run_time + 60000 WHERE id = ?');
const claim = db.transaction(() => {
  const ids = due.all(workerData.now);
  for (const id of ids) advance.run(id);
  return ids;
});
parentPort.postMessage('ready');
Atomics.wait(workerData.go, 0, 0);
const won = [];
const pause = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  let ids;
  try {
    ids = claim.immediate();
  } catch (error) {
    if (error.code === 'SQLITE_BUSY') continue;
    throw error;
  }
  if (ids.length === 0) break;
  won.push(...ids);
  Atomics.wait(pause, 0, 0, 0.05);
}
db.close();
parentPort.postMessage(won);
`;
