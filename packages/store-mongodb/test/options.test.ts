import { ConfigurationError, parseOptions } from '@kairos/core';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { kairosPlugin, MongoJobStore, mongoJobStoreOptions } from '../src/index.js';
import { collectionNameProblem, databaseNameProblem, resolveOptions } from '../src/options.js';

const URL = 'mongodb://localhost:27017';

/** The ConfigurationError the constructor throws for these options. */
function constructorError(options: Record<string, unknown>): ConfigurationError {
  try {
    new MongoJobStore(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`new MongoJobStore(${JSON.stringify(options)}) did not throw`);
}

describe('MongoJobStore options', () => {
  it('fills in the defaults', () => {
    const resolved = resolveOptions({ url: URL });
    expect(resolved).toEqual({
      source: { url: URL },
      database: 'kairos',
      collection: 'jobs',
      pollIntervalMs: 1000,
    });
  });

  it('takes a client instead of a url, and string numbers from flat configurations', () => {
    const client = new MongoClient(URL);
    const resolved = resolveOptions({
      client,
      database: 'app',
      collection: 'scheduled_jobs',
      pollInterval: '0.25' as unknown as number,
    });
    expect(resolved.source).toEqual({ client });
    expect(resolved).toMatchObject({
      database: 'app',
      collection: 'scheduled_jobs',
      pollIntervalMs: 250,
    });
  });

  it('does not connect in the constructor', () => {
    // Nothing listens there; a connecting constructor would fail or hang here.
    const store = new MongoJobStore({ url: 'mongodb://127.0.0.1:9/nowhere' });
    expect(store.database).toBe('kairos');
    expect(store.collection).toBe('jobs');
  });

  it('needs a url or a client, and refuses both', () => {
    const missing = constructorError({});
    expect(missing.key).toBe('MongoJobStore.url');
    expect(missing.message).toMatch(/give url .* or client/);
    const both = constructorError({ url: URL, client: new MongoClient(URL) });
    expect(both.key).toBe('MongoJobStore.client');
    expect(both.message).toMatch(/not both/);
  });

  it('refuses a url that is not a MongoDB connection string, naming it', () => {
    const http = constructorError({ url: 'http://localhost:27017' });
    expect(http.key).toBe('MongoJobStore.url');
    expect(http.message).toContain("'http://localhost:27017'");
    expect(http.message).toMatch(/mongodb:\/\/ or mongodb\+srv:\/\//);
    const number = constructorError({ url: 27017 });
    expect(number.message).toContain('27017 is not a connection string');
  });

  it("refuses a url the driver cannot parse, with the driver's reason and no password", () => {
    const error = constructorError({
      url: 'mongodb://kairos:s3cret@localhost:27017/?w=bogus&tls=maybe',
    });
    expect(error.key).toBe('MongoJobStore.url');
    expect(error.message).toContain("'mongodb://kairos:***@localhost:27017/?w=bogus&tls=maybe'");
    expect(error.message).toMatch(/cannot be used: .+/);
    expect(error.message).not.toContain('s3cret');
  });

  it('refuses a client that is not a MongoClient', () => {
    const error = constructorError({ client: { url: URL } });
    expect(error.key).toBe('MongoJobStore.client');
    expect(error.message).toContain('{"url":"mongodb://localhost:27017"} is not a MongoClient');
  });

  it.each([
    ['', /cannot be empty/],
    ['my.db', /cannot contain '\.'/],
    ['a/b', /cannot contain '\/'/],
    ['with space', /cannot contain a space/],
    ['money$', /cannot contain '\$'/],
    ['nul\0', /cannot contain NUL/],
    ['d'.repeat(64), /shorter than 64 bytes; this one has 64/],
  ])('refuses the database name %j', (database, problem) => {
    const error = constructorError({ url: URL, database });
    expect(error.key).toBe('MongoJobStore.database');
    expect(error.message).toMatch(problem);
  });

  it.each([
    ['', /cannot be empty/],
    ['jobs$', /cannot contain '\$'/],
    ['nul\0', /cannot contain NUL/],
    ['system.jobs', /reserved/],
  ])('refuses the collection name %j', (collection, problem) => {
    const error = constructorError({ url: URL, collection });
    expect(error.key).toBe('MongoJobStore.collection');
    expect(error.message).toMatch(problem);
  });

  it('refuses a collection name that makes the namespace too long', () => {
    const error = constructorError({ url: URL, collection: 'c'.repeat(250) });
    expect(error.key).toBe('MongoJobStore.collection');
    expect(error.message).toMatch(/longer than MongoDB's 255 bytes/);
  });

  it("counts the longest namespace beside the jobs': the ledger's <collection>_nodes", () => {
    // kairos. (7 bytes) + 242 + _nodes (6) = 255: the limit, allowed.
    expect(() => new MongoJobStore({ url: URL, collection: 'c'.repeat(242) })).not.toThrow();
    const error = constructorError({ url: URL, collection: 'c'.repeat(243) });
    expect(error.message).toContain(`the namespace 'kairos.${'c'.repeat(243)}_nodes' longer`);
  });

  it('refuses names that are not strings', () => {
    expect(constructorError({ url: URL, database: 5 }).message).toContain(
      '5 is not a database name',
    );
    expect(constructorError({ url: URL, collection: null }).message).toContain(
      'null is not a collection name',
    );
  });

  it.each([0, -1, 'soon', Infinity, 3e6])('refuses the poll interval %j', (pollInterval) => {
    const error = constructorError({ url: URL, pollInterval });
    expect(error.key).toBe('MongoJobStore.pollInterval');
    expect(error.message).toMatch(/is not a number of seconds/);
  });

  it('refuses unknown options and lists the known ones', () => {
    const error = constructorError({ url: URL, colection: 'jobs' });
    expect(error.key).toBe('MongoJobStore.colection');
    expect(error.message).toMatch(
      /unknown key \(did you mean collection\?\); allowed keys: url, client, database, collection, pollInterval/,
    );
  });

  it('accepts the names MongoDB accepts', () => {
    expect(databaseNameProblem('kairos-prod_2')).toBeUndefined();
    expect(databaseNameProblem('ünïcødé')).toBeUndefined();
    expect(collectionNameProblem('jobs.archive')).toBeUndefined();
    expect(collectionNameProblem('_jobs')).toBeUndefined();
  });
});

describe('kairosPlugin', () => {
  const plugin = kairosPlugin.jobstores.mongodb;

  it('parses flat configuration values with its schema', () => {
    const parsed = parseOptions(
      plugin.options ?? mongoJobStoreOptions,
      { url: URL, pollInterval: '2', database: 'app' },
      'mongodb',
    );
    expect(parsed).toEqual({ url: URL, pollInterval: 2, database: 'app' });
  });

  it('names the configuration key of a bad value', () => {
    expect(() =>
      parseOptions(
        plugin.options ?? mongoJobStoreOptions,
        { url: URL, pollInterval: 'x' },
        'mongodb',
      ),
    ).toThrow(/^mongodb\.pollInterval: 'x' is not a number of seconds/);
  });

  it('builds a MongoJobStore', async () => {
    const store = await plugin.create({ url: URL, collection: 'kairos_jobs' });
    expect(store).toBeInstanceOf(MongoJobStore);
    expect((store as MongoJobStore).collection).toBe('kairos_jobs');
  });
});
