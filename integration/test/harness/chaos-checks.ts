/**
 * What a chaos run proves, computed from its evidence: the run file the tasks appended to (one
 * `start` line per execution, an `end` line when the task returned), the store's run history
 * (every run, paged through with the cursor), the schedulers that were SIGKILLed, and the
 * `job_abandoned` events the live ones emitted. Pure: the test gathers, this judges.
 *
 * The promises checked (issue 16, "Proof"):
 * - under `'fail'`, every (job, run time) executed at most once, and never retried;
 * - every run whose process was killed during it is recorded `abandoned`, exactly once (one
 *   row, one `job_abandoned` event in the whole cluster);
 * - under `'retry'`, every abandoned run with retries left has exactly one retry, executed at
 *   most once, itself recorded (and abandoned again, and retried, if its process died too);
 * - nothing runs without a record, no record claims a run that did not start, no scheduled run
 *   time is missing from the history, and nothing is left in flight.
 */
import type { StartedRun } from './chaos-setup.js';
import type { HistoryRun } from './chaos-process.js';

/** A job's policy for abandoned runs, as the test gave it. */
export interface ChaosPolicy {
  onAbandoned: 'fail' | 'retry';
  maxRetries: number;
}

/** Everything a chaos run leaves behind. */
export interface ChaosEvidence {
  /** The run file's `start` lines, in order. */
  starts: readonly StartedRun[];
  /** The ids of the runs whose task returned (the run file's `end` lines). */
  ended: ReadonlySet<string>;
  /** The whole run history of the store. */
  history: readonly HistoryRun[];
  /** The ids of the schedulers that were SIGKILLed. */
  killed: ReadonlySet<string>;
  /** Each job's policy. */
  policies: ReadonlyMap<string, ChaosPolicy>;
  /** Each job's scheduled run times (every one must have a record). */
  schedule: ReadonlyMap<string, readonly number[]>;
  /** The `job_abandoned` events of every process (run id, who found it). */
  abandonedEvents: readonly { runId: string; finder: string }[];
}

/** The figures of a chaos run; `duplicates` and every count after it must be 0. */
export interface ChaosFigures {
  /** Executions: the run file's `start` lines. */
  runs: number;
  /** Rows in the history. */
  records: number;
  /** Runs recorded `abandoned`. */
  abandoned: number;
  /**
   * Of those, runs whose owner was not killed: its lease lapsed while it lived (it could not
   * reach the store during the outage long enough, or a scheduler's clock was off). Allowed;
   * reported.
   */
  abandonedOwnerAlive: number;
  /**
   * Runs whose task started more than a second before their scheduled time: a scheduler whose
   * clock is ahead decided they were due. 0 where the store's clock decides.
   */
  earlyStarts: number;
  /** Runs started by a process that was killed before the task returned. */
  killedRuns: number;
  /** Abandoned runs of `'retry'` jobs that got their retry. */
  retried: number;
  /** Abandoned runs of `'retry'` jobs that had had all their retries. */
  retriesExhausted: number;
  /** Executions beyond the one allowed: a `'fail'` run time, or one attempt, run twice. */
  duplicates: number;
  /** Executions without a matching record, and scheduled run times without any record. */
  unrecorded: number;
  /** Records of a run as executed that the run file has no start of. */
  phantoms: number;
  /** Records still without an outcome after everything settled. */
  inFlight: number;
  /** Killed runs recorded with an outcome other than `abandoned`. */
  killedNotAbandoned: number;
  /** Abandoned runs reported by more than one `job_abandoned` event. */
  reportedTwice: number;
  /** Retries that break the chain: two retries of one run, a retry of a run not abandoned. */
  badRetries: number;
  /** What each non-zero count above is made of (the first few of each kind). */
  problems: string[];
}

const RAN = new Set(['executed', 'error', 'timeout', 'cancelled', 'abandoned']);
const EXECUTED = new Set(['executed', 'error', 'timeout']);
const MAX_PROBLEMS_PER_KIND = 5;
/** How early a run may start (the processes' timers against the wall clock) before it counts. */
const EARLY_MS = 1000;

function keyOf(jobId: string, scheduled: number): string {
  return `${jobId}@${scheduled}`;
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Judges a chaos run. */
export function analyseChaos(evidence: ChaosEvidence): ChaosFigures {
  const { starts, ended, history, killed, policies, schedule } = evidence;
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const problem = (kind: string, text: string): void => {
    const count = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, count);
    if (count <= MAX_PROBLEMS_PER_KIND) problems.push(`${kind}: ${text}`);
  };
  const figures = {
    runs: starts.length,
    records: history.length,
    abandoned: 0,
    abandonedOwnerAlive: 0,
    earlyStarts: starts.filter((start) => start.at < start.scheduled - EARLY_MS).length,
    killedRuns: 0,
    retried: 0,
    retriesExhausted: 0,
    duplicates: 0,
    unrecorded: 0,
    phantoms: 0,
    inFlight: 0,
    killedNotAbandoned: 0,
    reportedTwice: 0,
    badRetries: 0,
  };

  const rowsById = new Map<string, HistoryRun>();
  const rowsByKey = new Map<string, HistoryRun[]>();
  for (const row of history) {
    if (rowsById.has(row.id)) problem('history', `run ${row.id} is listed twice`);
    rowsById.set(row.id, row);
    const key = keyOf(row.jobId, row.scheduled);
    rowsByKey.set(key, [...(rowsByKey.get(key) ?? []), row]);
  }
  const startsById = countBy(starts, (start) => start.runId);

  // Each execution: one record, of that execution, saying it ran.
  for (const start of starts) {
    const row = rowsById.get(start.runId);
    const where = `${start.jobId} at ${new Date(start.scheduled).toISOString()} attempt ${start.attempt} (run ${start.runId})`;
    if (row === undefined) {
      figures.unrecorded += 1;
      problem('unrecorded', `${where} started and has no record`);
      continue;
    }
    if (
      row.jobId !== start.jobId ||
      row.scheduled !== start.scheduled ||
      row.attempt !== start.attempt ||
      row.schedulerId !== start.schedulerId
    ) {
      figures.unrecorded += 1;
      problem('unrecorded', `${where} started; its record says ${JSON.stringify(row)}`);
      continue;
    }
    if (row.outcome !== null && !RAN.has(row.outcome)) {
      figures.unrecorded += 1;
      problem('unrecorded', `${where} started; its record says it did not run (${row.outcome})`);
    }
    if (!ended.has(start.runId)) {
      if (killed.has(start.schedulerId)) {
        figures.killedRuns += 1;
        if (row.outcome !== 'abandoned') {
          figures.killedNotAbandoned += 1;
          problem('killed', `${where} was killed and is recorded ${String(row.outcome)}`);
        }
      } else {
        figures.inFlight += 1;
        problem('in flight', `${where}: its task never returned, its process was not killed`);
      }
    }
  }

  // At most once: one execution per run, per 'fail' run time, per 'retry' attempt.
  for (const [runId, count] of startsById) {
    if (count > 1) {
      figures.duplicates += count - 1;
      problem('duplicate', `run ${runId} started ${count} times`);
    }
  }
  for (const [key, count] of countBy(starts, (s) => keyOf(s.jobId, s.scheduled))) {
    const jobId = key.slice(0, key.lastIndexOf('@'));
    if (policies.get(jobId)?.onAbandoned === 'fail' && count > 1) {
      figures.duplicates += count - 1;
      problem('duplicate', `${key} ('fail') executed ${count} times`);
    }
  }
  for (const [key, count] of countBy(
    starts,
    (s) => `${keyOf(s.jobId, s.scheduled)}#${s.attempt}`,
  )) {
    const jobId = key.slice(0, key.lastIndexOf('@'));
    if (policies.get(jobId)?.onAbandoned === 'retry' && count > 1) {
      figures.duplicates += count - 1;
      problem('duplicate', `${key} ('retry', one attempt) executed ${count} times`);
    }
  }

  // Each record: settled, of a run that started when it says it ran, in a chain that holds.
  for (const row of history) {
    const where = `${row.jobId} at ${new Date(row.scheduled).toISOString()} attempt ${row.attempt} (run ${row.id})`;
    const policy = policies.get(row.jobId);
    if (policy === undefined) {
      problem('history', `${where} is a run of a job the test did not add`);
      continue;
    }
    if (row.outcome === null) {
      figures.inFlight += 1;
      problem('in flight', `${where} has no outcome after everything settled`);
    } else if (EXECUTED.has(row.outcome) && !startsById.has(row.id)) {
      figures.phantoms += 1;
      problem('phantom', `${where} is recorded ${row.outcome} and never started`);
    }
    const sameTime = rowsByKey.get(keyOf(row.jobId, row.scheduled)) ?? [];
    if (row.attempt > 0) {
      const previous = sameTime.filter((other) => other.attempt === row.attempt - 1);
      if (policy.onAbandoned === 'fail') {
        figures.badRetries += 1;
        problem('retry', `${where} is a retry of a 'fail' job`);
      } else if (previous.length !== 1 || previous[0]?.outcome !== 'abandoned') {
        figures.badRetries += 1;
        problem('retry', `${where} is a retry of ${JSON.stringify(previous)}`);
      }
    }
    if (row.outcome !== 'abandoned') continue;
    figures.abandoned += 1;
    if (!killed.has(row.schedulerId)) figures.abandonedOwnerAlive += 1;
    if (policy.onAbandoned === 'retry') {
      const next = sameTime.filter((other) => other.attempt === row.attempt + 1);
      if (row.attempt >= policy.maxRetries) {
        figures.retriesExhausted += 1;
        if (next.length > 0) {
          figures.badRetries += 1;
          problem('retry', `${where} had had its ${policy.maxRetries} retries and was retried`);
        }
      } else if (next.length === 1) {
        figures.retried += 1;
      } else {
        figures.badRetries += 1;
        problem('retry', `${where} was abandoned and has ${next.length} retries`);
      }
    }
  }

  // Exactly one finder per abandoned run, across the cluster.
  for (const [runId, count] of countBy(evidence.abandonedEvents, (e) => e.runId)) {
    if (count > 1) {
      figures.reportedTwice += count - 1;
      problem('reported twice', `run ${runId} abandoned in ${count} job_abandoned events`);
    }
    if (rowsById.get(runId)?.outcome !== 'abandoned') {
      figures.reportedTwice += 1;
      problem('reported twice', `run ${runId} reported abandoned, recorded otherwise`);
    }
  }

  // Every scheduled run time has a record (executed, skipped, abandoned …), and no other does.
  for (const [jobId, times] of schedule) {
    for (const time of times) {
      if (!rowsByKey.has(keyOf(jobId, time))) {
        figures.unrecorded += 1;
        problem('unrecorded', `${jobId} at ${new Date(time).toISOString()} has no record`);
      }
    }
  }
  const scheduled = new Set(
    [...schedule].flatMap(([jobId, times]) => times.map((time) => keyOf(jobId, time))),
  );
  for (const key of rowsByKey.keys()) {
    if (!scheduled.has(key)) problem('history', `${key} is not a scheduled run time`);
  }

  for (const [kind, count] of seen) {
    if (count > MAX_PROBLEMS_PER_KIND) {
      problems.push(`${kind}: … ${count - MAX_PROBLEMS_PER_KIND} more`);
    }
  }
  return { ...figures, problems };
}
