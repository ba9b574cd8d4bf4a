import { describe, expect, it } from 'vitest';
import { hashId, InstanceCounts } from '../src/runs/instances.js';

describe('InstanceCounts', () => {
  it('counts runs in progress per id, and forgets an id once none is', () => {
    const counts = new InstanceCounts();
    const a = hashId('a');
    counts.add('a', a);
    counts.add('a', a);
    counts.add('b', hashId('b'));
    expect(counts.activeOf('a')).toBe(2);
    expect(counts.activeOf('b')).toBe(1);
    counts.release('a', a);
    expect(counts.activeOf('a')).toBe(1);
    counts.release('a', a);
    expect(counts.activeOf('a')).toBe(0);
    expect(counts.activeOf('b')).toBe(1);
  });

  it('keeps ids that share a bucket apart, and keeps every count when it grows', () => {
    const counts = new InstanceCounts();
    const ids = Array.from({ length: 5000 }, (_, index) => `job-${index}`);
    for (const id of ids) counts.add(id, hashId(id));
    for (const id of ids.slice(0, 2500)) counts.add(id, hashId(id));
    ids.forEach((id, index) => expect(counts.activeOf(id)).toBe(index < 2500 ? 2 : 1));
    for (const id of ids) counts.release(id, hashId(id));
    ids.forEach((id, index) => expect(counts.activeOf(id)).toBe(index < 2500 ? 1 : 0));
    // Ids with the same hash (forced) are told apart by their text.
    counts.add('x', 7);
    counts.add('y', 7);
    counts.release('x', 7);
    expect(counts.activeOf('x', 7)).toBe(0);
    expect(counts.activeOf('y', 7)).toBe(1);
  });

  it('hashes ids to non-negative 31-bit numbers', () => {
    for (const id of ['', 'a', 'é', '550e8400-e29b-41d4-a716-446655440000']) {
      const hash = hashId(id);
      expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 31).toBe(true);
    }
  });
});
