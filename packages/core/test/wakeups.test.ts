// The wake-up message codec the persistent stores share.
import { describe, expect, it } from 'vitest';
import { decodeWakeup, encodeWakeup } from '../src/index.js';

describe('wake-up messages', () => {
  it('round-trips the sender and the next run time', () => {
    const text = encodeWakeup('store-1', 1_893_456_000_000);
    expect(decodeWakeup(text)).toEqual({ from: 'store-1', nextRunTime: 1_893_456_000_000 });
  });

  it('reads a JSON object with missing or odd fields as a wake-up without them', () => {
    expect(decodeWakeup('{}')).toEqual({ from: null, nextRunTime: null });
    expect(decodeWakeup('{"from": 3, "nextRunTime": "soon"}')).toEqual({
      from: null,
      nextRunTime: null,
    });
    expect(decodeWakeup('{"from": "a", "nextRunTime": 1e400}')).toEqual({
      from: 'a',
      nextRunTime: null,
    });
  });

  it('is null for anything that is not a JSON object', () => {
    for (const text of [undefined, '', 'hello', '42', 'null', '[1]', '{"from":']) {
      expect(decodeWakeup(text), String(text)).toBeNull();
    }
  });
});
