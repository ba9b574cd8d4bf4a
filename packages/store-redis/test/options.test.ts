import { ConfigurationError, parseOptions } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEY_PREFIX, kairosPlugin, RedisJobStore } from '../src/index.js';

/** The ConfigurationError the constructor throws for `options`. */
function constructorError(options: Record<string, unknown>): ConfigurationError {
  try {
    new RedisJobStore(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`new RedisJobStore(${JSON.stringify(options)}) did not throw`);
}

describe('RedisJobStore options', () => {
  it('defaults the key prefix to kairos:', () => {
    expect(new RedisJobStore().keyPrefix).toBe(DEFAULT_KEY_PREFIX);
    expect(DEFAULT_KEY_PREFIX).toBe('kairos:');
    expect(new RedisJobStore({ keyPrefix: 'app:jobs:' }).keyPrefix).toBe('app:jobs:');
  });

  it('refuses an empty key prefix', () => {
    const error = constructorError({ keyPrefix: '' });
    expect(error.key).toBe('RedisJobStore.keyPrefix');
    expect(error.message).toMatch(/empty key prefix/);
  });

  it('refuses a key prefix with whitespace, quoting it', () => {
    const error = constructorError({ keyPrefix: 'my app:' });
    expect(error.key).toBe('RedisJobStore.keyPrefix');
    expect(error.message).toContain('"my app:" contains whitespace');
  });

  it('refuses a key prefix that is not a string', () => {
    const error = constructorError({ keyPrefix: 42 });
    expect(error.key).toBe('RedisJobStore.keyPrefix');
    expect(error.message).toContain('42 is not a key prefix');
  });

  it('refuses a url that is not a Redis URL', () => {
    const error = constructorError({ url: 'http://localhost:6379' });
    expect(error.key).toBe('RedisJobStore.url');
    expect(error.message).toContain('"http://localhost:6379" is not a Redis URL');
  });

  it('refuses a database part that is not a whole number, quoting the URL and the part', () => {
    const cases: [url: string, database: string][] = [
      ['redis://127.0.0.1:6379/abc', 'abc'],
      ['redis://127.0.0.1:6379/1.5', '1.5'],
      ['rediss://user:pw@h:6380/-1', '-1'],
      ['redis://h:1?db=x', 'x'],
      ['/run/redis.sock?db=2a', '2a'],
    ];
    for (const [url, database] of cases) {
      const error = constructorError({ url });
      expect(error.key).toBe('RedisJobStore.url');
      expect(error.message).toContain(
        `${JSON.stringify(url)} selects database ${JSON.stringify(database)}, which is not a ` +
          `whole number`,
      );
    }
  });

  it('accepts redis://, rediss:// and Unix socket paths', () => {
    const urls = [
      'redis://h:1/2',
      'redis://h:1/15',
      'redis://h:1/',
      'redis://h:1?db=3',
      'rediss://user:pw@h:6380',
      '/run/redis.sock',
      '/run/redis.sock?db=1',
    ];
    for (const url of urls) {
      expect(() => new RedisJobStore({ url })).not.toThrow();
    }
  });

  it('refuses a client that is not an ioredis connection', () => {
    const error = constructorError({ client: { get: () => null } });
    expect(error.key).toBe('RedisJobStore.client');
    expect(error.message).toMatch(/ioredis Redis connection/);
  });

  it('refuses url together with client', () => {
    const client = new Redis({ lazyConnect: true });
    try {
      const error = constructorError({ url: 'redis://127.0.0.1:6379', client });
      expect(error.key).toBe('RedisJobStore.url');
      expect(error.message).toMatch(/cannot be combined with 'client'/);
    } finally {
      client.disconnect();
    }
  });

  it('refuses unknown options, listing the known ones', () => {
    const error = constructorError({ prefix: 'x:' });
    expect(error.key).toBe('RedisJobStore.prefix');
    expect(error.message).toMatch(/unknown key; allowed keys: url, client, keyPrefix/);
  });

  it('does not connect in the constructor; start() names the server it cannot reach', async () => {
    // Port 1 refuses connections: only start() tries, and it fails with the URL, sans password.
    const store = new RedisJobStore({ url: 'redis://user:s3cret@127.0.0.1:1/0' });
    const error: unknown = await store.start(new TestStoreContext(), 'default').then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/Redis job store 'default': cannot connect to redis:\/\/user:/);
    expect(String(error)).toMatch(/127\.0\.0\.1:1/);
    expect(String(error)).not.toContain('s3cret');
    await store.shutdown();
  });

  it('rejects calls made before start()', async () => {
    const store = new RedisJobStore({ keyPrefix: 'never-started:' });
    await expect(store.getNextRunTime()).rejects.toThrow(/keyPrefix 'never-started:'.*not started/);
    await expect(store.lookupJob('a')).rejects.toThrow(/not started/);
  });
});

describe('kairosPlugin', () => {
  const plugin = kairosPlugin.jobstores.redis;

  it('parses the options of a configuration dictionary', () => {
    const schema = plugin.options;
    if (schema === undefined) throw new Error('the redis plugin has no options schema');
    expect(parseOptions(schema, { url: 'redis://h:1/0', keyPrefix: 'a:' }, 'redis')).toEqual({
      url: 'redis://h:1/0',
      keyPrefix: 'a:',
    });
    expect(() => parseOptions(schema, { keyPrefix: ' ' }, 'jobstores.default')).toThrow(
      /jobstores\.default\.keyPrefix/,
    );
    // At configure time, before any store exists.
    expect(() =>
      parseOptions(schema, { url: 'redis://127.0.0.1:6379/abc' }, 'jobstores.default'),
    ).toThrow(/jobstores\.default\.url.*selects database "abc", which is not a whole number/);
  });

  it('builds a RedisJobStore with those options', async () => {
    const store = await plugin.create({ keyPrefix: 'plugin:' });
    expect(store).toBeInstanceOf(RedisJobStore);
    expect((store as RedisJobStore).keyPrefix).toBe('plugin:');
  });
});
