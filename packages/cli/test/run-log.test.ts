/** How the daemon's log lines write a duration: in the unit a reader takes in at a glance. */
import { expect, test } from 'vitest';
import { formatDuration } from '../src/daemon/run-log.js';

test.each([
  [null, '?'],
  [350.4, '350 ms'],
  [1_234, '1.2 s'],
  [59_949, '59.9 s'],
  [270_000, '4.5 min'],
  [7_200_000, '2.0 h'],
  // A run missed by years (a date job in the past) is not given in seconds.
  [218_848_005_200, '2533.0 days'],
])('%s ms → %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});
