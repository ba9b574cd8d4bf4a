import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearestName } from '../src/edit-distance.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('coalesc', 'coalesce')).toBe(1);
    expect(editDistance('flaw', 'lawn')).toBe(2);
  });

  it('is symmetric', () => {
    for (const [a, b] of [
      ['misfireGrace', 'misfireGraceTime'],
      ['abc', 'yabd'],
      ['jobstore', 'jobstores'],
    ] as const) {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
    }
  });
});

describe('nearestName', () => {
  const options = ['misfireGraceTime', 'coalesce', 'maxInstances', 'name', 'id', 'jobstore'];

  it('finds near misspellings, not only case and underscores', () => {
    expect(nearestName('misfireGrace', options)).toBe('misfireGraceTime');
    expect(nearestName('maxInstance', options)).toBe('maxInstances');
    expect(nearestName('coalesc', options)).toBe('coalesce');
    expect(nearestName('max_instance', options)).toBe('maxInstances');
    expect(nearestName('MISFIRE_GRACE_TIME', options)).toBe('misfireGraceTime');
    expect(nearestName('jobstores', options)).toBe('jobstore');
    expect(nearestName('misfire', options)).toBe('misfireGraceTime');
    expect(nearestName('max', options)).toBeUndefined();
  });

  it('suggests nothing for names far from every candidate', () => {
    expect(nearestName('bogus', options)).toBeUndefined();
    expect(nearestName('x', options)).toBeUndefined();
    expect(nearestName('', options)).toBeUndefined();
    expect(nearestName('a'.repeat(500), options)).toBeUndefined();
  });
});

describe('didYouMean', () => {
  it('words the nearest candidate as a hint, spelt as asked, or gives nothing', () => {
    expect(didYouMean('minutes', ['hour', 'minute'])).toBe(' (did you mean minute?)');
    expect(didYouMean('dayofweek', ['dayOfWeek'], (name) => name.toUpperCase())).toBe(
      ' (did you mean DAYOFWEEK?)',
    );
    expect(didYouMean('bogus', ['hour', 'minute'])).toBe('');
  });
});
