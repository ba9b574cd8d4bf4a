import { describe, expect, it } from 'vitest';
import { newJobId } from '../src/ids.js';

describe('newJobId', () => {
  it('gives version 4 UUIDs', () => {
    for (let i = 0; i < 1000; i++) {
      expect(newJobId()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('does not repeat across pool refills', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newJobId()));
    expect(ids.size).toBe(10_000);
  });
});
