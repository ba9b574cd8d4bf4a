import { describe, expect, it } from 'vitest';
import type { MetaDocument, SchemaCollections } from '../src/schema.js';
import { checkSchemaDocument, ensureSchema, SCHEMA_VERSION } from '../src/schema.js';
import { SimulatedServer } from './simulated-server.js';

const WHERE = "MongoDB job store 'default' (kairos.jobs)";

describe('checkSchemaDocument', () => {
  it('accepts this version', () => {
    expect(checkSchemaDocument({ _id: 'schema', schemaVersion: 2 }, WHERE)).toBe('current');
  });

  it('migrates version 1, the layout before the run ledger', () => {
    expect(checkSchemaDocument({ _id: 'schema', schemaVersion: 1 }, WHERE)).toBe('migrate');
  });

  it('refuses a newer version, saying what to do', () => {
    expect(() => checkSchemaDocument({ _id: 'schema', schemaVersion: 3 }, WHERE)).toThrow(
      "MongoDB job store 'default' (kairos.jobs): its schema document records schema version 3, " +
        'newer than version 2 that this @kairos/store-mongodb knows; upgrade ' +
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
    const runs = server.collection('kairos.jobs_runs');
    const slots = server.collection('kairos.jobs_slots');
    const schema = { meta, jobs, runs, slots } as unknown as SchemaCollections;
    return { meta, jobs, runs, slots, run: () => ensureSchema(schema, WHERE) };
  }

  it('records the version and creates the indexes, idempotently', async () => {
    const server = new SimulatedServer({ changeStreams: true });
    const { meta, jobs, runs, slots, run } = collections(server);
    await run();
    await run();
    expect([...meta.documents.values()]).toEqual([
      { _id: 'schema', schemaVersion: SCHEMA_VERSION },
    ]);
    expect(jobs.indexes).toEqual([
      { name: 'nextRunTime_1__id_1', keys: { nextRunTime: 1, _id: 1 } },
    ]);
    expect(runs.indexes.map((index) => index['keys'])).toEqual([
      { jobId: 1, scheduledRunTime: -1, _id: -1 },
      { scheduledRunTime: -1, _id: -1 },
      { outcome: 1, leaseUntil: 1, _id: 1 },
    ]);
    expect(slots.indexes.map((index) => index['keys'])).toEqual([{ 'runs.id': 1 }]);
  });

  it('migrates version 1: indexes the new collections, then sets version 2 and nothing else', async () => {
    const server = new SimulatedServer({ changeStreams: true });
    const { meta, jobs, runs, run } = collections(server);
    meta.documents.set('schema', { _id: 'schema', schemaVersion: 1 });
    const job = { _id: 'a', nextRunTime: 5, state: '{"id":"a"}', writtenBy: 'v1' };
    jobs.documents.set('a', { ...job });
    const createIndex = runs.createIndex.bind(runs);
    const order: string[] = [];
    runs.createIndex = (keys) => {
      order.push(`index ${meta.documents.get('schema')?.['schemaVersion'] as number}`);
      return createIndex(keys);
    };
    await run();
    expect(order).toEqual(['index 1', 'index 1', 'index 1']);
    expect(meta.documents.get('schema')).toEqual({ _id: 'schema', schemaVersion: 2 });
    expect([...jobs.documents.values()]).toEqual([job]);
  });

  it('leaves version 1 when the migration fails midway, and completes it at the next start', async () => {
    const server = new SimulatedServer({ changeStreams: true });
    const { meta, runs, run } = collections(server);
    meta.documents.set('schema', { _id: 'schema', schemaVersion: 1 });
    const createIndex = runs.createIndex.bind(runs);
    runs.createIndex = () => Promise.reject(new Error('interrupted'));
    await expect(run()).rejects.toThrow('interrupted');
    expect(meta.documents.get('schema')).toEqual({ _id: 'schema', schemaVersion: 1 });
    runs.createIndex = createIndex;
    await run();
    expect(meta.documents.get('schema')).toEqual({ _id: 'schema', schemaVersion: 2 });
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
    expect([...meta.documents.values()]).toEqual([{ _id: 'schema', schemaVersion: 2 }]);
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
    await expect(run()).rejects.toThrow(/schema version 7, newer than version 2/);
    expect(jobs.indexes).toEqual([]);
    expect(meta.documents.get('schema')).toEqual({ _id: 'schema', schemaVersion: 7 });
  });
});
