// The CPU job of the lateness benchmark, for Kairos's executors only: `burn` plus how late the
// run started, read from `currentJob()` (which works in worker threads too). Kept apart from
// cpu.mjs so that bree's job file does not load @kairos/core.
import { currentJob } from '@kairos/core';

import { burn } from './cpu.mjs';

/** {@link burn}, and the run's start − its scheduled run time, in ms. */
export function burnAsJob(iterations) {
  const job = currentJob();
  const startLateMs =
    job === undefined
      ? NaN
      : performance.timeOrigin + performance.now() - job.scheduledRunTime.getTime();
  return { ...burn(iterations), startLateMs };
}
