/** The connection strings the store reads and how its messages show them. */
import { describe, expect, it } from 'vitest';
import { connectionStringProblem, redactConnectionString } from '../src/connection-string.js';

describe('redactConnectionString', () => {
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
  ])('shows %j as %j', (text, shown) => {
    expect(redactConnectionString(text)).toBe(shown);
  });
});

describe('connectionStringProblem', () => {
  it.each([
    'postgres://u:p@h:5432/db?sslmode=disable',
    'postgresql://h/db',
    'POSTGRES://h/db',
    'postgres://u@/db',
    'socket:/var/run/postgresql?db=jobs',
    '/var/run/postgresql jobs',
  ])('accepts %j, a form pg reads', (text) => {
    expect(connectionStringProblem(text)).toBeUndefined();
  });

  it.each([
    ['not a url', /'not a url' is not a PostgreSQL connection string; use a URL: postgres:\/\//],
    ['mysql://u:secret@h/db', /'mysql:\/\/u:\*\*\*@h\/db' is not a PostgreSQL connection string/],
    ['localhost:5432/db', /is not a PostgreSQL connection string/],
    [
      'host=h user=u password=secret dbname=d',
      /'host=h user=u password=\*\*\* dbname=d' is a libpq key=value string, which pg does not read; write it as a URL/,
    ],
    [
      'postgres://u:secret@h:99999/db',
      /'postgres:\/\/u:\*\*\*@h:99999\/db' cannot be read: Invalid URL/,
    ],
  ])('refuses %j', (text, message) => {
    const problem = connectionStringProblem(text);
    expect(problem).toMatch(message);
    expect(problem).not.toContain('secret');
  });
});
