import { describe, expect, test } from 'vitest';
import { UsageError } from '../src/errors.js';
import { parseStoreUrl } from '../src/store-url.js';

describe('parseStoreUrl', () => {
  test.each([
    ['sqlite:var/jobs.sqlite', { type: 'sqlite', path: 'var/jobs.sqlite' }],
    [
      'sqlite:///tmp/j.db?table=my_jobs',
      { type: 'sqlite', path: '/tmp/j.db', tableName: 'my_jobs' },
    ],
    [
      'postgres://app@db:5432/app?schema=kairos&table=jobs&sslmode=require',
      {
        type: 'postgres',
        connectionString: 'postgres://app@db:5432/app?sslmode=require',
        schema: 'kairos',
        tableName: 'jobs',
      },
    ],
    [
      'redis://127.0.0.1:6379/2?prefix=app:',
      { type: 'redis', url: 'redis://127.0.0.1:6379/2', keyPrefix: 'app:' },
    ],
    [
      'mongodb://127.0.0.1:27017?database=app&collection=jobs',
      { type: 'mongodb', url: 'mongodb://127.0.0.1:27017', database: 'app', collection: 'jobs' },
    ],
  ])('%s', (url, spec) => {
    expect(parseStoreUrl(url)).toEqual(spec);
  });

  test.each([
    ['sqlite:', 'names no file'],
    ['mysql://db/app', "unknown scheme 'mysql:'"],
    ['jobs.sqlite', 'is not a URL'],
    ['redis://h?prefix=', "empty 'prefix'"],
  ])('%s is a usage error naming the URL and the forms', (url, problem) => {
    expect(() => parseStoreUrl(url)).toThrow(UsageError);
    expect(() => parseStoreUrl(url)).toThrow(problem);
    expect(() => parseStoreUrl(url)).toThrow('sqlite:PATH');
  });

  test('a password never appears in a message', () => {
    expect(() => parseStoreUrl('mysql://u:secret@db/app')).toThrow(/u:\*\*\*@/);
    expect(() => parseStoreUrl('mysql://u:secret@db/app')).not.toThrow(/secret/);
  });
});
