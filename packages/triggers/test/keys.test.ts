import { describe, expect, it } from 'vitest';
import { camelCase, snakeCase } from '../src/index.js';

describe('camelCase and snakeCase', () => {
  it('camelCases snake_case keys, digits included, and leaves camelCase keys alone', () => {
    expect(camelCase('day_of_week')).toBe('dayOfWeek');
    expect(camelCase('misfire_grace_time')).toBe('misfireGraceTime');
    expect(camelCase('retry_2')).toBe('retry2');
    expect(camelCase('dayOfWeek')).toBe('dayOfWeek');
    expect(camelCase('')).toBe('');
  });

  it('snake_cases camelCase keys, the inverse for keys without digits', () => {
    expect(snakeCase('dayOfWeek')).toBe('day_of_week');
    expect(snakeCase('misfireGraceTime')).toBe('misfire_grace_time');
    for (const key of ['startDate', 'runDate', 'maxInstances', 'jitter']) {
      expect(camelCase(snakeCase(key))).toBe(key);
    }
  });
});
