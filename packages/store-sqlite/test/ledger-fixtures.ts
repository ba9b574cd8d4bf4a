/**
 * The ledger tests' time and openings, on the run rows of `@kairos/testkit` (`runRow`: in
 * flight, owned by `scheduler-a`, leased for `LEASE_MS` from its scheduled time).
 */
import type { Job, RunOpening, RunOutcome, RunRow } from '@kairos/core';
import { finishedRow, runRow, RUN_TIME } from '@kairos/testkit';

/** The tests' "now": the scheduled time of the suite's rows, 2030-01-01T00:00:00Z. */
export const T0 = RUN_TIME;

/** A run of `fields` ended with `outcome` a second after it was scheduled. */
export function endedRun(
  fields: Partial<RunRow> & { id: string; jobId: string },
  outcome: RunOutcome = 'executed',
): RunRow {
  const row = runRow(fields);
  return finishedRow(row, outcome, row.scheduledRunTime + 1000);
}

/** The opening of one run of `job` (its own slot), scheduled at `scheduledRunTime`. */
export function openingOf(
  job: Pick<Job, 'id' | 'maxInstances'>,
  id: string,
  scheduledRunTime = T0,
  schedulerId = 'scheduler-a',
): RunOpening {
  const row = runRow({ id, jobId: job.id, scheduledRunTime, schedulerId });
  return {
    rows: [row],
    refused: [finishedRow(row, 'skipped', scheduledRunTime)],
    maxInstances: job.maxInstances,
  };
}
