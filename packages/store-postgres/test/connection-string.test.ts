/** The connection strings the store reads. */
import { describe, expect, it } from 'vitest';
import { connectionStringProblem } from '../src/connection-string.js';

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
