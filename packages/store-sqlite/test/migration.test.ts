/**
 * Schema version 1 → 2 on start: the database file written by the version-1 code (commit
 * cb55fe8, `integration/fixtures/schema-v1/store-sqlite.sqlite`) gets the ledger's tables and
 * version 2 in one transaction, its jobs kept as they were.
 */
import { TestStoreContext } from '@kairos/testkit';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SQLiteJobStore } from '../src/index.js';
import { openingOf, T0 } from './ledger-fixtures.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();
const V1_FIXTURE = fileURLToPath(
  new URL('../../../integration/fixtures/schema-v1/store-sqlite.sqlite', import.meta.url),
);

/** A copy of the version-1 file to start on (the fixture itself stays as captured). */
function v1Copy(): string {
  const path = fixtures.file('v1');
  fs.copyFileSync(V1_FIXTURE, path);
  return path;
}

/** The tables and indexes of a file, by name. */
function objects(path: string): string[] {
  return fixtures
    .connect(path, { readonly: true })
    .prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
}

describe('SQLiteJobStore migration from schema version 1', () => {
  it('starts on the version-1 file, keeps its jobs and records version 2', async () => {
    const path = v1Copy();
    expect(objects(path)).toEqual(['kairos_jobs', 'kairos_jobs_meta', 'kairos_jobs_next_run_time']);
    const before = fixtures
      .connect(path, { readonly: true })
      .prepare('SELECT id, next_run_time, state FROM kairos_jobs ORDER BY id')
      .all();
    const { store } = await fixtures.start({ path });
    const jobs = await store.getAllJobs();
    expect(jobs.map((job) => [job.id, job.name, job.args, job.nextRunTimeMs])).toEqual([
      ['every-five', 'Every five', [], expect.any(Number)],
      ['new-year', 'tick', [2031], 1_924_992_000_000],
      ['hourly', 'tick', [], null],
    ]);
    expect(await store.getUnrestorableJobs()).toEqual([]);
    const db = fixtures.connect(path);
    expect(
      db.prepare('SELECT id, next_run_time, state FROM kairos_jobs ORDER BY id').all(),
    ).toEqual(before);
    expect(db.prepare('SELECT key, value FROM kairos_jobs_meta').all()).toEqual([
      { key: 'schema_version', value: '2' },
    ]);
    expect(objects(path)).toEqual([
      'kairos_jobs',
      'kairos_jobs_meta',
      'kairos_jobs_next_run_time',
      'kairos_jobs_nodes',
      'kairos_jobs_runs',
      'kairos_jobs_runs_in_flight',
      'kairos_jobs_runs_job',
      'kairos_jobs_runs_lease',
      'kairos_jobs_runs_time',
    ]);
    // The ledger works on the migrated file.
    const opening = openingOf({ id: 'new-year', maxInstances: 1 }, 'new-year-1');
    expect(await store.ledger.open(opening, T0)).toBe(true);
    expect(await store.ledger.getRuns({ jobId: 'new-year', limit: 5 })).toEqual(opening.rows);
  });

  it('migrates once: a second start finds version 2 and changes nothing', async () => {
    const path = v1Copy();
    const first = await fixtures.start({ path });
    await first.store.ledger.open(openingOf({ id: 'hourly', maxInstances: 1 }, 'hourly-1'), T0);
    await first.store.shutdown();
    const schema = objects(path);
    const second = await fixtures.start({ path });
    expect(objects(path)).toEqual(schema);
    expect((await second.store.ledger.getRuns({ limit: 5 })).map((row) => row.id)).toEqual([
      'hourly-1',
    ]);
    expect((await second.store.getAllJobs()).map((job) => job.id)).toEqual([
      'every-five',
      'new-year',
      'hourly',
    ]);
  });

  it('rolls the whole migration back when it fails, leaving a version-1 file', async () => {
    const path = v1Copy();
    // A table of one of the new names that is not the ledger's makes the migration fail.
    fixtures.connect(path).exec('CREATE TABLE kairos_jobs_nodes (name TEXT)');
    const store = new SQLiteJobStore({ path, pollInterval: 0 });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /table "kairos_jobs_nodes" exists with the columns \(name\), not \(id, host, pid, started_at, last_seen\)/,
    );
    expect(objects(path)).toEqual([
      'kairos_jobs',
      'kairos_jobs_meta',
      'kairos_jobs_next_run_time',
      'kairos_jobs_nodes',
    ]);
    expect(fixtures.connect(path).prepare('SELECT value FROM kairos_jobs_meta').pluck().get()).toBe(
      '1',
    );
  });
});
