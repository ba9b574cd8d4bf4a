/**
 * The run ledger's queries (ledger-queries.ts) without a server: the run documents, the history
 * filter against core's `runMatches` on every kind of query, the keyset position, the trims, and
 * the slots pipelines evaluated as MongoDB documents them (simulated-queries.ts).
 */
import { compareRuns, runMatches, type RunQuery, type RunRow } from '@kairos/core';
import { runRow, RUN_TIME } from '@kairos/testkit';
import { describe, expect, it } from 'vitest';
import {
  expiredRuns,
  finishedRuns,
  fromPosition,
  HISTORY_ORDER,
  historyFilter,
  lapsedRun,
  lapsedRuns,
  lastRunsPipeline,
  openingPipeline,
  releasePipeline,
  renewalPipeline,
  rowOf,
  runDocument,
  slotEntry,
  STALE_SLOT_MS,
} from '../src/ledger-queries.js';
import { JOB_HISTORY_INDEX, type SlotEntry } from '../src/schema.js';
import { aggregate, applyUpdate, comparator, matches, type Doc } from './simulated-queries.js';

/** Rows of two jobs, several at one scheduled time, finished and in flight. */
function sampleRows(): RunRow[] {
  const rows: RunRow[] = [];
  const outcomes = [null, 'executed', 'error', 'skipped', 'abandoned'] as const;
  for (let index = 0; index < 40; index += 1) {
    rows.push(
      runRow({
        id: `run-${String(index % 7)}-${String(index).padStart(2, '0')}`,
        jobId: index % 3 === 0 ? 'a' : 'b',
        scheduledRunTime: RUN_TIME + Math.floor(index / 4) * 1000,
        outcome: outcomes[index % outcomes.length] ?? null,
      }),
    );
  }
  return rows;
}

/** The rows a query finds, as the server would: filter, then the history's order. */
function found(rows: readonly RunRow[], query: RunQuery): string[] {
  const documents = rows.map((row) => runDocument(row) as unknown as Doc);
  return documents
    .filter((document) => matches(document, historyFilter(query)))
    .sort(comparator(HISTORY_ORDER))
    .slice(0, query.limit)
    .map((document) => String(document['_id']));
}

/** The rows core's reference functions pick for a query. */
function expected(rows: readonly RunRow[], query: RunQuery): string[] {
  return rows
    .filter((row) => runMatches(row, query))
    .sort(compareRuns)
    .slice(0, query.limit)
    .map((row) => row.id);
}

describe('runDocument and rowOf', () => {
  it('keeps the indexed fields beside the row as text, and reads the renewed lease over it', () => {
    const row = runRow({ id: 'r1', jobId: 'a', result: { $weird: 1, 'dotted.key': 2 } });
    const document = runDocument(row);
    expect(document).toEqual({
      _id: 'r1',
      jobId: 'a',
      scheduledRunTime: RUN_TIME,
      outcome: null,
      schedulerId: 'scheduler-a',
      leaseUntil: row.leaseUntil,
      slot: 'r1',
      row: JSON.stringify(row),
    });
    expect(rowOf(document)).toEqual(row);
    expect(rowOf({ ...document, leaseUntil: 99 })).toEqual({ ...row, leaseUntil: 99 });
  });
});

describe('historyFilter', () => {
  const rows = sampleRows();
  const middle = rows[17] ?? runRow({ id: 'x' });
  const queries: RunQuery[] = [
    { limit: 100 },
    { limit: 5 },
    { jobId: 'a', limit: 100 },
    { outcomes: [null], limit: 100 },
    { outcomes: ['executed', null], jobId: 'b', limit: 100 },
    { outcomes: [], limit: 100 },
    { since: RUN_TIME + 3000, limit: 100 },
    { until: RUN_TIME + 3000, limit: 100 },
    { since: RUN_TIME + 2000, until: RUN_TIME + 5000, jobId: 'b', limit: 100 },
    { after: middle, limit: 100 },
    { after: middle, limit: 3 },
    { after: middle, until: RUN_TIME + 1000, limit: 100 },
    { after: middle, until: RUN_TIME + 9000, since: RUN_TIME + 1000, limit: 100 },
    { after: { scheduledRunTime: middle.scheduledRunTime, id: 'run-4' }, limit: 100 },
    { after: { scheduledRunTime: RUN_TIME - 1, id: 'zzz' }, limit: 100 },
  ];

  it.each(queries)('finds what runMatches finds, in compareRuns order: %j', (query) => {
    expect(found(rows, query)).toEqual(expected(rows, query));
  });

  it('pages through every run exactly once with the last run of each page as `after`', () => {
    const seen: string[] = [];
    let after: RunQuery['after'];
    for (;;) {
      const page = found(rows, { limit: 6, ...(after === undefined ? {} : { after }) });
      if (page.length === 0) break;
      seen.push(...page);
      const last = rows.find((row) => row.id === page.at(-1));
      after =
        last === undefined ? undefined : { scheduledRunTime: last.scheduledRunTime, id: last.id };
    }
    expect(seen).toEqual([...rows].sort(compareRuns).map((row) => row.id));
  });

  it('bounds the scheduled time of a keyset page, for the index scan', () => {
    expect(
      historyFilter({ jobId: 'a', after: { scheduledRunTime: 50, id: 'm' }, limit: 20 }),
    ).toEqual({
      jobId: 'a',
      scheduledRunTime: { $lte: 50 },
      $or: [{ scheduledRunTime: { $lt: 50 } }, { _id: { $lt: 'm' } }],
    });
  });

  it("asks for a job's last runs as an equality and a sort that are the index's keys", () => {
    // One bounded index scan, no sort stage: {jobId} then (scheduledRunTime, _id) descending.
    expect(Object.keys(historyFilter({ jobId: 'a', limit: 20 }))).toEqual(['jobId']);
    expect({ jobId: 1, ...HISTORY_ORDER }).toEqual(JOB_HISTORY_INDEX);
    expect(Object.keys(JOB_HISTORY_INDEX)).toEqual(['jobId', 'scheduledRunTime', '_id']);
  });
});

describe('the trims', () => {
  const rows = sampleRows().filter((row) => row.jobId === 'b');
  const documents = rows.map((row) => runDocument(row) as unknown as Doc);
  const ids = (filter: Doc) =>
    documents.filter((document) => matches(document, filter)).map((document) => document['_id']);

  it('match finished runs of the job only, from a position on', () => {
    const finished = rows.filter((row) => row.outcome !== null).sort(compareRuns);
    const boundary = finished[4] ?? runRow({ id: 'x' });
    expect(ids({ ...finishedRuns('b'), ...fromPosition(boundary) }).sort()).toEqual(
      finished
        .slice(4)
        .map((row) => row.id)
        .sort(),
    );
    expect(ids(expiredRuns('b', RUN_TIME + 2000)).sort()).toEqual(
      finished
        .filter((row) => row.scheduledRunTime < RUN_TIME + 2000)
        .map((row) => row.id)
        .sort(),
    );
    expect(ids(finishedRuns('a'))).toEqual([]);
  });

  it('never take a run in flight for a lapsed one unless its lease is a number before now', () => {
    const inFlight = runDocument(runRow({ id: 'r', leaseUntil: 1000 })) as unknown as Doc;
    expect(matches(inFlight, lapsedRuns(1001))).toBe(true);
    expect(matches(inFlight, lapsedRuns(1000))).toBe(false);
    expect(matches(inFlight, lapsedRun('r', 1001))).toBe(true);
    expect(matches(inFlight, lapsedRun('other', 1001))).toBe(false);
    const ended = runDocument(runRow({ id: 'e', outcome: 'executed' })) as unknown as Doc;
    expect(matches(ended, lapsedRuns(Number.MAX_SAFE_INTEGER))).toBe(false);
  });
});

describe('the slots pipelines', () => {
  const entry = (id: string, slot: string, leaseUntil: number, owner = 'n1'): SlotEntry => ({
    id,
    slot,
    leaseUntil,
    owner,
  });
  const open = (runs: SlotEntry[] | undefined, added: SlotEntry[], max: number, now: number) =>
    applyUpdate(
      runs === undefined ? { _id: 'job' } : { _id: 'job', runs },
      openingPipeline(added, max, now),
    );

  it('takes a slot while fewer than maxInstances distinct slots hold a lease at now', () => {
    const held = [entry('r1', 's1', 100), entry('r2', 's1', 100), entry('r3', 's2', 50)];
    // s1 (two runs) and s2 hold at 50: two slots.
    expect(open(held, [entry('r4', 'r4', 200)], 2, 50)).toMatchObject({
      opened: false,
      runs: held,
    });
    expect(open(held, [entry('r4', 'r4', 200)], 3, 50)).toMatchObject({
      opened: true,
      runs: [...held, entry('r4', 'r4', 200)],
    });
    // At 51, s2's lease has lapsed: one slot.
    expect(open(held, [entry('r4', 'r4', 200)], 2, 51)).toMatchObject({ opened: true });
  });

  it('opens on a job without a document yet, and refuses everything at maxInstances 0', () => {
    expect(open(undefined, [entry('r1', 'r1', 10)], 1, 0)).toEqual({
      _id: 'job',
      opened: true,
      runs: [entry('r1', 'r1', 10)],
    });
    expect(open(undefined, [entry('r1', 'r1', 10)], 0, 0)).toMatchObject({ opened: false });
  });

  it('drops entries whose lease lapsed more than a day ago', () => {
    const now = 10 * STALE_SLOT_MS;
    const runs = [entry('old', 'old', now - STALE_SLOT_MS - 1), entry('recent', 'recent', now - 1)];
    expect(open(runs, [], 5, now)['runs']).toEqual([entry('recent', 'recent', now - 1)]);
  });

  it('keeps ids that look like field paths or operators as they are', () => {
    const strange = entry('$runs', '$$this', 10, '$owner');
    expect(open([], [strange], 1, 0)['runs']).toEqual([strange]);
  });

  it("releases a run's entry, handing its place to a retry", () => {
    const runs = [entry('r1', 's1', 10), entry('r2', 's2', 10)];
    expect(applyUpdate({ _id: 'job', runs }, releasePipeline(['r1'], []))['runs']).toEqual([
      entry('r2', 's2', 10),
    ]);
    const retry = entry('r1.retry1', 's1', 90, 'n2');
    expect(applyUpdate({ _id: 'job', runs }, releasePipeline(['r1'], [retry]))['runs']).toEqual([
      entry('r2', 's2', 10),
      retry,
    ]);
  });

  it("renews the leases of the beating scheduler's named runs only", () => {
    const runs = [entry('r1', 's1', 10), entry('r2', 's2', 10), entry('r3', 's3', 10, 'n2')];
    const beat = {
      id: 'n1',
      host: 'h',
      pid: 1,
      startedAt: 0,
      now: 5,
      leaseUntil: 99,
      runIds: ['r1', 'r3'],
      pruneBefore: 0,
    };
    expect(applyUpdate({ _id: 'job', runs }, renewalPipeline(beat))['runs']).toEqual([
      entry('r1', 's1', 99),
      entry('r2', 's2', 10),
      entry('r3', 's3', 10, 'n2'),
    ]);
  });

  it('lists a run in flight under its owner and lease', () => {
    expect(slotEntry(runRow({ id: 'r', slot: 's', leaseUntil: 7, schedulerId: 'n' }))).toEqual(
      entry('r', 's', 7, 'n'),
    );
  });
});

describe('lastRunsPipeline', () => {
  it('gives the newest run of each job asked for, by the history order', () => {
    const rows = sampleRows();
    const groups = aggregate(
      rows.map((row) => runDocument(row) as unknown as Doc),
      lastRunsPipeline(['a', 'missing']),
    );
    const newest = rows.filter((row) => row.jobId === 'a').sort(compareRuns)[0];
    expect(groups).toEqual([
      { _id: 'a', row: JSON.stringify(newest), leaseUntil: newest?.leaseUntil },
    ]);
  });
});
