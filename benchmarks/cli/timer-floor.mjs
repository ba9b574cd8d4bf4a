#!/usr/bin/env node
// The machine's floor for waking at a minute boundary from Node, without Kairos: how late a
// plain `setTimeout` to the boundary fires. Run by run.mjs next to the daemons.
//
//   node benchmarks/cli/timer-floor.mjs <one-timer|two-step> <first-boundary-ms> <minutes>
//
// one-timer: one setTimeout(boundary − Date.now()) per minute, as a scheduler sleeping until its
// next run time does. two-step: a timer to 1 s before the boundary, then one for the rest, so
// the long sleep's error is corrected by a short one. Prints one JSON line per boundary:
// {"boundary": ms, "lateMs": Date.now() at the callback − boundary}.
import { setTimeout as sleep } from 'node:timers/promises';

const [mode, firstArg, minutesArg] = process.argv.slice(2);
if (!['one-timer', 'two-step'].includes(mode ?? '')) {
  console.error('usage: timer-floor.mjs <one-timer|two-step> <first-boundary-ms> <minutes>');
  process.exit(2);
}
const first = Number(firstArg);
const minutes = Number(minutesArg);
/** How long before the boundary the two-step mode re-arms its timer. */
const STEP_MS = 1000;

for (let minute = 0; minute < minutes; minute++) {
  const boundary = first + minute * 60_000;
  if (mode === 'two-step') await sleep(Math.max(0, boundary - STEP_MS - Date.now()));
  await sleep(Math.max(0, boundary - Date.now()));
  const lateMs = Date.now() - boundary;
  console.log(JSON.stringify({ boundary, lateMs }));
}
