/**
 * The run ledger's tests, for stores that have one (`store.ledger`): run rows written with the
 * claim and `maxInstances` across schedulers, outcomes and retention, abandoned runs ended
 * exactly once, heartbeats and nodes, and the history's queries. A store without a ledger has
 * them all skipped.
 */
import type { JobStore, RunLedger, RunRow } from '@kairos/core';
import { beforeEach, describe } from 'vitest';
import { TestkitUsageError } from '../errors.js';
import { LEASE_MS } from '../run-rows.js';
import type { Harness } from './index.js';
import { defineLedgerClaimTests } from './ledger-claims.js';
import { defineLedgerHistoryTests } from './ledger-history.js';
import { defineLedgerNodeTests } from './ledger-nodes.js';
import { defineLedgerOutcomeTests } from './ledger-outcomes.js';

/** The slots the suite's openings allow when a test is not about `maxInstances`. */
export const ANY_SLOTS = 1000;

/** The ledger of a store; throws when it has none (the suite skips those stores). */
export function ledgerOf(store: JobStore): RunLedger {
  if (store.ledger === undefined) {
    throw new TestkitUsageError('the ledger tests ran on a store without a ledger');
  }
  return store.ledger;
}

/** Writes rows in flight, as `runJob` does, and asserts that they were opened. */
export async function openRows(
  ledger: RunLedger,
  rows: readonly RunRow[],
  now: number,
): Promise<void> {
  if (!(await ledger.open({ rows, refused: [], maxInstances: ANY_SLOTS }, now))) {
    throw new TestkitUsageError(`the suite could not open ${rows.length} rows: a slot was taken`);
  }
}

/**
 * Writes finished rows the way schedulers do: each opened in flight (a lease, a job document),
 * then finished as given, without retention; the ledger then holds each row exactly as given.
 */
export async function writeFinished(ledger: RunLedger, rows: readonly RunRow[]): Promise<void> {
  for (const row of rows) {
    if (row.outcome === null) {
      throw new TestkitUsageError(`writeFinished() got run ${row.id} without an outcome`);
    }
    const inFlight: RunRow = {
      ...row,
      outcome: null,
      finishedAt: null,
      leaseUntil: row.scheduledRunTime + LEASE_MS,
      job: JSON.stringify({ id: row.jobId }),
    };
    await openRows(ledger, [inFlight], row.scheduledRunTime);
    if (!(await ledger.finish(row, null))) {
      throw new TestkitUsageError(`the suite could not finish run ${row.id}`);
    }
  }
}

/** The ids of rows, in order. */
export function runIds(rows: Iterable<RunRow>): string[] {
  return [...rows].map((row) => row.id);
}

/** Registers the ledger tests; each is skipped when the started store has no ledger. */
export function defineLedgerTests(h: Harness): void {
  describe('run ledger', () => {
    beforeEach(async (context) => {
      if (h.store.ledger === undefined) {
        context.skip();
        return;
      }
      await h.store.ledger.clear();
    });

    defineLedgerClaimTests(h);
    defineLedgerOutcomeTests(h);
    defineLedgerHistoryTests(h);
    defineLedgerNodeTests(h);
  });
}
