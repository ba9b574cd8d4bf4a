/**
 * The part of a run ledger that is the same in every store: the row's JSON codec, the order of
 * the history (newest scheduled time first, then id descending), matching a query, the public
 * cursor, and which finished rows retention drops. Stores keep the fields they index in columns
 * (or keys) of their own and the whole row as {@link encodeRunRow} text beside them.
 */
import { ConfigurationError } from '../errors.js';
import type { Retention, RunPosition, RunQuery, RunRow } from '../ledger.js';

/** Retention when the scheduler's `history` option is not given: 100 runs a job, 7 days. */
export const DEFAULT_RETENTION: Retention = Object.freeze({ keep: 100, maxAge: 604_800 });

/** Retention with history off: a run's row goes as soon as its outcome is recorded. */
export const NO_HISTORY: Retention = Object.freeze({ keep: 0, maxAge: 0 });

/** A row as JSON text (what stores keep beside their indexed copies). */
export function encodeRunRow(row: RunRow): string {
  return JSON.stringify(row);
}

/** A row from {@link encodeRunRow} text (or a document a driver already parsed). */
export function decodeRunRow(document: string | RunRow): RunRow {
  return typeof document === 'string' ? (JSON.parse(document) as RunRow) : document;
}

/** The history's order: negative when `a` comes first (scheduled later, or same time and a greater id). */
export function compareRuns(a: RunPosition, b: RunPosition): number {
  if (a.scheduledRunTime !== b.scheduledRunTime) return b.scheduledRunTime - a.scheduledRunTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Whether a row passes a query's filters and comes after its position. */
export function runMatches(row: RunRow, query: RunQuery): boolean {
  if (query.jobId !== undefined && row.jobId !== query.jobId) return false;
  if (query.outcomes !== undefined && !query.outcomes.includes(row.outcome)) return false;
  if (query.since !== undefined && row.scheduledRunTime < query.since) return false;
  if (query.until !== undefined && row.scheduledRunTime > query.until) return false;
  if (query.after !== undefined && compareRuns(row, query.after) <= 0) return false;
  return true;
}

/** The cursor of the page that ends with `row`: opaque to users, stable under new writes. */
export function encodeRunCursor(row: RunPosition): string {
  return Buffer.from(JSON.stringify([row.scheduledRunTime, row.id]), 'utf8').toString('base64url');
}

/**
 * The position a cursor from {@link encodeRunCursor} names.
 * @throws ConfigurationError when `cursor` is not one
 */
export function decodeRunCursor(cursor: string): RunPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'number' ||
    typeof parsed[1] !== 'string'
  ) {
    throw new ConfigurationError(
      'cursor',
      `${JSON.stringify(cursor)} is not a cursor getRuns() gave out; pass the nextCursor of a ` +
        `previous page, or leave it out for the first page`,
    );
  }
  return { scheduledRunTime: parsed[0], id: parsed[1] };
}

/**
 * Which of a job's finished rows `retention` drops at `now`: those scheduled before
 * `now - maxAge`, and those after the newest `keep`. Rows in flight are never dropped.
 * @param rows the job's rows, in any order
 */
export function rowsToTrim(rows: readonly RunRow[], retention: Retention, now: number): RunRow[] {
  const oldest = now - retention.maxAge * 1000;
  const finished = rows.filter((row) => row.outcome !== null).sort(compareRuns);
  return finished.filter((row, index) => index >= retention.keep || row.scheduledRunTime < oldest);
}

/** A row with its outcome recorded: no lease and no job document any more. */
export function endedRow(row: RunRow, changes: Partial<RunRow>): RunRow {
  return { ...row, ...changes, leaseUntil: null, job: null };
}
