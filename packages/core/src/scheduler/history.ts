/**
 * Reading the run ledgers back: `getRuns()` across the stores (merged in one order, paged by a
 * cursor that later writes do not shift), `getNodes()`, and each listed job's last run.
 */
import { didYouMean, show } from '@kairos/triggers';
import { ConfigurationError } from '../errors.js';
import { setLastRun, type Job, type ListedJob } from '../job.js';
import { readInstant } from '../job-options.js';
import { compareRuns, decodeRunCursor, encodeRunCursor } from '../jobstores/run-rows.js';
import type { RunLedger, RunQuery, RunRow } from '../ledger.js';
import { RUN_OUTCOMES, type Run, type RunOutcome } from '../runs/run.js';
import { StoredRun } from '../runs/stored-run.js';
import type { Cluster } from './cluster.js';
import type { Components } from './components.js';
import type { Settings } from './settings.js';

/** An instant as `getRuns` takes it: a Date, epoch ms, or an ISO 8601 string. */
export type RunTimeInput = Date | number | string;

/** What `getRuns()` looks for. Every field is optional. */
export interface GetRunsOptions {
  /** Only the runs of this job. */
  jobId?: string;
  /** Only runs with this outcome, or one of these (`null`: runs in flight). */
  outcome?: RunOutcome | null | readonly (RunOutcome | null)[];
  /** Only runs scheduled at or after this instant. */
  since?: RunTimeInput;
  /** Only runs scheduled at or before this instant. */
  until?: RunTimeInput;
  /** At most this many runs (1 to 1000). Default 100. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
  /** Only the runs kept in this job store. */
  jobstore?: string;
}

/** A page of `getRuns()`. */
export interface RunsPage {
  /** Newest scheduled time first. */
  readonly runs: Run[];
  /** Pass it as `cursor` for the next page; null when this page is the last. */
  readonly nextCursor: string | null;
}

/** A scheduler seen in a store, as `getNodes()` lists it. */
export interface NodeInfo {
  /** The scheduler id. */
  readonly id: string;
  /** The host name it runs on. */
  readonly host: string;
  /** Its process id. */
  readonly pid: number;
  /** When it started. */
  readonly startedAt: Date;
  /** Its last heartbeat. */
  readonly lastSeen: Date;
  /** Whether it beat within the last `leaseSeconds`. */
  readonly alive: boolean;
  /** The store it was seen in. */
  readonly jobstore: string;
}

/** The options `getRuns()` takes. */
const GET_RUNS_OPTIONS: readonly string[] = [
  'jobId',
  'outcome',
  'since',
  'until',
  'limit',
  'cursor',
  'jobstore',
] satisfies readonly (keyof GetRunsOptions)[];

/** What `getRuns({ outcome })` takes: an outcome, or null for the runs in flight. */
const OUTCOMES: readonly (RunOutcome | null)[] = [...RUN_OUTCOMES, null];
/** Most jobs whose last runs one ledger call looks up. */
const LAST_RUNS_BATCH = 500;

/** What the history room works with. */
export interface HistoryParts {
  readonly settings: Settings;
  readonly components: Components;
  readonly cluster: Cluster;
}

/** The run history of one scheduler's stores. */
export class History {
  readonly #parts: HistoryParts;

  constructor(parts: HistoryParts) {
    this.#parts = parts;
  }

  /** See `BaseScheduler.getRuns`. */
  async getRuns(options: GetRunsOptions = {}): Promise<RunsPage> {
    const query = this.#query(options);
    const rows: RunRow[] = [];
    for (const [, ledger] of this.#ledgers(options.jobstore)) {
      // One more than the limit: whether a next page exists.
      rows.push(...(await ledger.getRuns({ ...query, limit: query.limit + 1 })));
    }
    rows.sort(compareRuns);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      runs: page.map((row) => new StoredRun(row)),
      nextCursor: rows.length > query.limit && last !== undefined ? encodeRunCursor(last) : null,
    };
  }

  /** See `BaseScheduler.getNodes`. */
  async getNodes(): Promise<NodeInfo[]> {
    const nodes: NodeInfo[] = [];
    const leaseMs = this.#parts.settings.leaseSeconds * 1000;
    for (const [alias, ledger] of this.#ledgers()) {
      const now = this.#parts.cluster.now(alias);
      for (const node of await ledger.getNodes()) {
        nodes.push({
          id: node.id,
          host: node.host,
          pid: node.pid,
          startedAt: new Date(node.startedAt),
          lastSeen: new Date(node.lastSeen),
          alive: now - node.lastSeen <= leaseMs,
          jobstore: alias,
        });
      }
    }
    return nodes;
  }

  /** Gives each listed job its `lastRun` (null when its store has runs but none of it). */
  async attachLastRuns(jobs: readonly (ListedJob | null)[]): Promise<void> {
    const byStore = new Map<string, Job[]>();
    for (const job of jobs) {
      if (job === null || job.state === 'unrestorable') continue;
      const list = byStore.get(job.jobstore) ?? [];
      list.push(job);
      byStore.set(job.jobstore, list);
    }
    for (const [alias, list] of byStore) {
      const ledger = this.#parts.cluster.ledgerOf(alias);
      if (ledger === undefined) continue;
      for (let start = 0; start < list.length; start += LAST_RUNS_BATCH) {
        const batch = list.slice(start, start + LAST_RUNS_BATCH);
        const last = await ledger.lastRuns(batch.map((job) => job.id));
        for (const job of batch) {
          const row = last.get(job.id);
          setLastRun(job, row === undefined ? null : new StoredRun(row));
        }
      }
    }
  }

  *#ledgers(jobstore?: string): Generator<[string, RunLedger]> {
    if (jobstore !== undefined) this.#parts.components.checkJobstoreAlias(jobstore);
    for (const [alias, store] of this.#parts.components.stores) {
      if (jobstore !== undefined && alias !== jobstore) continue;
      if (store.ledger !== undefined) yield [alias, store.ledger];
    }
  }

  /** The ledger query of `getRuns` options, each checked. */
  #query(options: GetRunsOptions): RunQuery {
    checkOptionNames(options);
    const { jobId, outcome, since, until, limit = 100, cursor } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new ConfigurationError(
        'getRuns: limit',
        `${show(limit)} is not an integer from 1 to 1000`,
      );
    }
    if (jobId !== undefined && (typeof jobId !== 'string' || jobId === '')) {
      throw new ConfigurationError('getRuns: jobId', `${show(jobId)} is not a job id`);
    }
    let outcomes: (RunOutcome | null)[] | undefined;
    if (outcome !== undefined) {
      outcomes = Array.isArray(outcome)
        ? [...(outcome as (RunOutcome | null)[])]
        : [outcome as RunOutcome | null];
      for (const value of outcomes) {
        if (!OUTCOMES.includes(value)) {
          throw new ConfigurationError(
            'getRuns: outcome',
            `${JSON.stringify(value)} is not a run outcome; use one or a list of ` +
              `${OUTCOMES.map((name) => JSON.stringify(name)).join(', ')} (null: in flight)`,
          );
        }
      }
    }
    return {
      ...(jobId === undefined ? {} : { jobId }),
      ...(outcomes === undefined ? {} : { outcomes }),
      ...(since === undefined ? {} : { since: this.#instant(since, 'since') }),
      ...(until === undefined ? {} : { until: this.#instant(until, 'until') }),
      ...(cursor === undefined || cursor === null ? {} : { after: decodeRunCursor(cursor) }),
      limit,
    };
  }

  #instant(value: RunTimeInput, option: string): number {
    const instant = readInstant(value, this.#parts.settings.timezone);
    if (typeof instant !== 'number')
      throw new ConfigurationError(`getRuns: ${option}`, instant.problem);
    return instant;
  }
}

/**
 * Refuses what is not an options object, and a key `getRuns` does not take: a misspelt filter
 * must not widen the query to every run.
 */
function checkOptionNames(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(
      'getRuns',
      `${typeof options === 'string' ? `'${options}'` : String(options)} is not an options ` +
        `object such as { jobId: 'report', limit: 20 }`,
    );
  }
  for (const key of Object.keys(options)) {
    if (GET_RUNS_OPTIONS.includes(key)) continue;
    throw new ConfigurationError(
      `getRuns: ${key}`,
      `unknown option${didYouMean(key, GET_RUNS_OPTIONS)}; getRuns takes ${GET_RUNS_OPTIONS.join(', ')}`,
    );
  }
}
