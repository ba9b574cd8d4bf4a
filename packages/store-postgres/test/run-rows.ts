/**
 * What this package's ledger tests add to `@kairos/testkit`'s run builders: the lease of a row
 * scheduled at `RUN_TIME`, and an opening of rows as a scheduler's `runJob` makes one.
 */
import { type RunOpening, type RunRow } from '@kairos/core';
import { finishedRow, LEASE_MS, RUN_TIME } from '@kairos/testkit';

/** The lease of a `runRow` scheduled at `RUN_TIME` unless a test says otherwise. */
export const LEASE_UNTIL = RUN_TIME + LEASE_MS;

/** The opening of `rows` (one submission) with `maxInstances` slots, refused as `skipped`. */
export function opening(rows: readonly RunRow[], maxInstances: number): RunOpening {
  return {
    rows,
    refused: rows.map((row) => finishedRow(row, 'skipped', row.submittedAt)),
    maxInstances,
  };
}
