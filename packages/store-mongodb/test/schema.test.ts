import type { Collection } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobDocument, MetaDocument } from '../src/schema.js';
import { checkSchemaDocument, ensureSchema, SCHEMA_VERSION } from '../src/schema.js';
import { SimulatedServer } from './simulated-server.js';

const WHERE = "MongoDB job store 'default' (kairos.jobs)";

describe('checkSchemaDocument', () => {
  it('accepts this version', () => {
    expect(() => checkSchemaDocument({ _id: 'schema', schemaVersion: 1 }, WHERE)).not.toThrow();
  });

  it('refuses a newer version, saying what to do', () => {
    expect(() => checkSchemaDocument({ _id: 'schema', schemaVersion: 2 }, WHERE)).toThrow(
      "MongoDB job store 'default' (kairos.jobs): its schema document records schema version 2, " +
        'newer than version 1 that this @kairos/store-mongodb knows; upgrade ' +
        '@kairos/store-mongodb in this application, or use another collection',
    );
  });

  it.each([null, { _id: 'schema', schemaVersion: 'one' }, { _id: 'schema', schemaVersion: 0.5 }])(
    'refuses a schema document without a valid version: %j',
    (document) => {
      expect(() => checkSchemaDocument(document as MetaDocument | null, WHERE)).toThrow(
        /records schema version .*, which @kairos\/store-mongodb never writes/,
      );
    },
  );
});

describe('ensureSchema', () => {
  function collections(server: SimulatedServer) {
    const meta = server.collection('kairos.jobs_meta');
    const jobs = server.collection('kairos.jobs');
    return {
      meta,
      jobs,
      run: () =>
        ensureSchema(
          meta as unknown as Collection<MetaDocument>,
          jobs as unknown as Collection<JobDocument>,
          WHERE,
        ),
    };
  }

  it('records the version and creates the index on next run times, idempotently', async () => {
    const server = new SimulatedServer({ changeStreams: true });
    const { meta, jobs, run } = collections(server);
    await run();
    await run();
    expect([...meta.documents.values()]).toEqual([
      { _id: 'schema', schemaVersion: SCHEMA_VERSION },
    ]);
    expect(jobs.indexes).toEqual([
      { name: 'nextRunTime_1__id_1', keys: { nextRunTime: 1, _id: 1 } },
    ]);
  });

  it('survives losing the upsert race of two first starts (E11000) by reading again', async () => {
    const server = new SimulatedServer({ changeStreams: true });
    const { meta, run } = collections(server);
    const upsert = meta.findOneAndUpdate.bind(meta);
    let calls = 0;
    meta.findOneAndUpdate = async (...args) => {
      calls += 1;
      if (calls === 1) {
        // The other process's upsert won between this one's match and its insert.
        await upsert(...args);
        throw Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
      }
      return upsert(...args);
    };
    await run();
    expect(calls).toBe(2);
    expect([...meta.documents.values()]).toEqual([{ _id: 'schema', schemaVersion: 1 }]);
  });

  it('passes on other errors of the upsert', async () => {
    const server = new SimulatedServer({ changeStreams: true });
    const { run } = collections(server);
    server.down = true;
    await expect(run()).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a collection of a newer layout and leaves it untouched', async () => {
    const server = new SimulatedServer({ changeStreams: true });
    const { meta, jobs, run } = collections(server);
    meta.documents.set('schema', { _id: 'schema', schemaVersion: 7 });
    await expect(run()).rejects.toThrow(/schema version 7, newer than version 1/);
    expect(jobs.indexes).toEqual([]);
    expect(meta.documents.get('schema')).toEqual({ _id: 'schema', schemaVersion: 7 });
  });
});
