#!/usr/bin/env node
// The machine's floor for starting several commands at once, without Kairos: how long a small
// process takes to start the same commands as the latency lines. Run by run.mjs next to the
// daemons, with the timer probes (timer-floor.mjs).
//
//   node benchmarks/cli/spawn-floor.mjs <first-boundary-ms> <minutes> <per-minute> <dir>
//
// At each minute boundary (woken in two steps, as timer-floor.mjs's two-step mode) it starts one
// bash, which notes its own start time (`$EPOCHREALTIME`) and then starts <per-minute> commands
// `date +%s.%N >> FILE` at once, each through `sh -c` in the background, as fast as a shell of a
// few MB can fork. Prints one JSON line per command: {"boundary": ms, "ms": the timestamp the
// command wrote − the moment bash started}. Node's part (its timer and its one spawn of bash) is
// left out: what remains is what creating those processes costs on this machine.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [firstArg, minutesArg, perMinuteArg, dir] = process.argv.slice(2);
const first = Number(firstArg);
const minutes = Number(minutesArg);
const perMinute = Number(perMinuteArg);
if (!(first > 0) || !(minutes > 0) || !(perMinute > 0) || dir === undefined) {
  console.error('usage: spawn-floor.mjs <first-boundary-ms> <minutes> <per-minute> <dir>');
  process.exit(2);
}
/** How long before the boundary the timer is re-armed (see timer-floor.mjs). */
const STEP_MS = 1000;
/** $0 is the start file, the rest the command's output files. */
const SCRIPT =
  'echo "$EPOCHREALTIME" > "$0"; ' +
  `for file in "$@"; do sh -c 'date +%s.%N >> "$1"' sh "$file" & done; wait`;

for (let minute = 0; minute < minutes; minute++) {
  const boundary = first + minute * 60_000;
  const startFile = join(dir, `spawn-floor-${minute}-start.txt`);
  const files = Array.from({ length: perMinute }, (_, i) =>
    join(dir, `spawn-floor-${minute}-${i}.txt`),
  );
  await sleep(Math.max(0, boundary - STEP_MS - Date.now()));
  await sleep(Math.max(0, boundary - Date.now()));
  const shell = spawn('/bin/bash', ['-c', SCRIPT, startFile, ...files], { stdio: 'inherit' });
  const code = await new Promise((resolve) => shell.once('exit', resolve));
  if (code !== 0) {
    console.error(`bash exited with ${code}`);
    process.exit(1);
  }
  const started = secondsToMs(readFileSync(startFile, 'utf8'));
  for (const file of files) {
    console.log(
      JSON.stringify({ boundary, ms: secondsToMs(readFileSync(file, 'utf8')) - started }),
    );
  }
}

/** `1733587200.123456789` (seconds, as `date +%s.%N` or `$EPOCHREALTIME` write it) in ms. */
function secondsToMs(text) {
  const [seconds, fraction = '0'] = text.trim().split('.');
  return Number(seconds) * 1000 + Number(`0.${fraction}`) * 1000;
}
