/** Connection strings as messages show them: without their password. */
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/index.js';

describe('redactUrl', () => {
  it.each([
    ['postgres://u:secret@h:5432/db', 'postgres://u:***@h:5432/db'],
    ['postgresql://u:p@ss@h/db', 'postgresql://u:***@h/db'],
    ['postgres://:secret@h/db', 'postgres://:***@h/db'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    ['postgres://h/db?user=u&password=secret&ssl=1', 'postgres://h/db?user=u&password=***&ssl=1'],
    [
      'socket:/var/run/postgresql?db=d&password=secret',
      'socket:/var/run/postgresql?db=d&password=***',
    ],
    ["host=h password='a b' dbname=d", 'host=h password=*** dbname=d'],
    ['host=h password=secret dbname=d', 'host=h password=*** dbname=d'],
    ['mysql://u:secret@h/db', 'mysql://u:***@h/db'],
    ['redis://:s3cret@127.0.0.1:6379/0', 'redis://:***@127.0.0.1:6379/0'],
    ['mongodb://app:p@ss@db1,db2/app?replicaSet=rs', 'mongodb://app:***@db1,db2/app?replicaSet=rs'],
    ['sqlite:var/jobs.sqlite', 'sqlite:var/jobs.sqlite'],
    [
      'mongodb+srv://user:p%40ss@cluster.example.net/?retryWrites=true',
      'mongodb+srv://user:***@cluster.example.net/?retryWrites=true',
    ],
    [
      'mongodb://user@host/?authMechanism=MONGODB-X509',
      'mongodb://user@host/?authMechanism=MONGODB-X509',
    ],
    ['mongodb://host/?appName=a@b', 'mongodb://host/?appName=a@b'],
    ['not a url', 'not a url'],
  ])('shows %j as %j', (text, shown) => {
    expect(redactUrl(text)).toBe(shown);
  });
});
