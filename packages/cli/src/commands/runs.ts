/**
 * `kairos jobs runs` and `kairos jobs nodes --store URL`: a store's run history (newest first,
 * filtered, a page at a time) and the schedulers that share it, read from its run ledger.
 */
import {
  ConfigurationError,
  RUN_OUTCOMES,
  decodeRunCursor,
  hostTimezone,
  type GetRunsOptions,
  type Run,
  type RunOutcome,
} from 'kairos';
import { EXIT, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { renderColumns } from '../job-table.js';
import { timeOption } from '../times.js';
import { STORE, withStore, type JobsOptions } from './jobs.js';

/** Options of `jobs runs`. */
export interface RunsOptions extends JobsOptions {
  job?: string;
  /** Comma-separated outcomes; `running` for runs in flight. */
  outcome?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

/** The word `--outcome` and the table use for a run in flight (`null` to `getRuns`). */
const RUNNING = 'running';

/** `jobs runs`. */
export async function listRuns(options: RunsOptions, io: CommandIO): Promise<number> {
  const query = runsQuery(options);
  return withStore(options.store, async (scheduler) => {
    let page;
    try {
      page = await scheduler.getRuns({ jobstore: STORE, ...query });
    } catch (error) {
      // The options were checked above, in the command's words; this is what is left.
      if (error instanceof ConfigurationError) throw new UsageError(error.message);
      throw error;
    }
    if (options.json === true) {
      const runs = page.runs.map((run) => run.toJSON());
      io.out(`${JSON.stringify({ runs, nextCursor: page.nextCursor }, null, 2)}\n`);
      return EXIT.ok;
    }
    io.out(renderRuns(page.runs));
    if (page.nextCursor !== null) io.err(`More: add --cursor ${page.nextCursor}\n`);
    return EXIT.ok;
  });
}

/**
 * The `getRuns` options of `jobs runs`, each checked first so that a mistake is told in the
 * command's words (`--since`, `running`), before the store is opened.
 */
function runsQuery(options: RunsOptions): Omit<GetRunsOptions, 'jobstore'> {
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit '${options.limit}' is not a whole number from 1 to 1000`);
  if (options.job?.trim() === '')
    throw new UsageError(
      `--job '${options.job}' is not a job id; kairos jobs list shows the ids of the jobs`,
    );
  // Offset-less times are wall time in the host's zone, as the scheduler behind the command reads them.
  const zone = hostTimezone();
  return {
    ...(options.job === undefined ? {} : { jobId: options.job }),
    ...(options.outcome === undefined ? {} : { outcome: outcomesOption(options.outcome) }),
    ...(options.since === undefined
      ? {}
      : { since: new Date(timeOption(options.since, '--since', zone)) }),
    ...(options.until === undefined
      ? {}
      : { until: new Date(timeOption(options.until, '--until', zone)) }),
    ...(options.cursor === undefined ? {} : { cursor: cursorOption(options.cursor) }),
    limit,
  };
}

/** `--outcome error,timeout,running`: the outcomes, `null` for `running`. */
function outcomesOption(text: string): (RunOutcome | null)[] {
  const words = [...RUN_OUTCOMES, RUNNING];
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0)
    throw new UsageError(
      `--outcome '${text}' names no outcome; write one or more of ${words.join(', ')}`,
    );
  return parts.map((part) => {
    if (part === RUNNING) return null;
    const outcome = RUN_OUTCOMES.find((name) => name === part);
    if (outcome === undefined)
      throw new UsageError(
        `--outcome '${part}' is not a run outcome; write one or a comma-separated list of ${words.join(', ')}`,
      );
    return outcome;
  });
}

/** `--cursor`: as an earlier `jobs runs` printed it. */
function cursorOption(cursor: string): string {
  try {
    decodeRunCursor(cursor);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new UsageError(
      `--cursor '${cursor}' is not a cursor printed by an earlier \`kairos jobs runs\` (after "More: add --cursor"); copy it whole, or leave --cursor out for the first page`,
    );
  }
  return cursor;
}

/** `jobs nodes`. */
export async function listNodes(options: JobsOptions, io: CommandIO): Promise<number> {
  return withStore(options.store, async (scheduler) => {
    // The command's own scheduler is one of them; it leaves at its shutdown.
    const nodes = (await scheduler.getNodes()).filter((node) => node.id !== scheduler.id);
    if (options.json === true) {
      io.out(`${JSON.stringify(nodes, null, 2)}\n`);
      return EXIT.ok;
    }
    if (nodes.length === 0) {
      io.out('No schedulers.\n');
      return EXIT.ok;
    }
    io.out(
      renderColumns(
        ['ID', 'HOST', 'PID', 'STARTED', 'LAST SEEN', 'STATE'],
        nodes.map((node) => [
          node.id,
          node.host,
          String(node.pid),
          node.startedAt.toISOString(),
          node.lastSeen.toISOString(),
          node.alive ? 'alive' : 'dead',
        ]),
      ),
    );
    return EXIT.ok;
  });
}

/**
 * A message in one table cell: its lines joined by spaces (a command's error ends with the
 * last lines of its stderr, which say what went wrong).
 */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}

/** The runs as a table: scheduled time (UTC), job, outcome, attempt, scheduler, duration, error. */
export function renderRuns(runs: readonly Run[]): string {
  if (runs.length === 0) return 'No runs.\n';
  return renderColumns(
    ['SCHEDULED (UTC)', 'JOB', 'OUTCOME', 'TRY', 'SCHEDULER', 'TOOK', 'ERROR'],
    runs.map((run) => [
      run.scheduledRunTime.toISOString(),
      run.jobId,
      run.outcome ?? RUNNING,
      String(run.attempt),
      run.schedulerId,
      run.durationMs === null ? '-' : `${run.durationMs} ms`,
      run.error === null ? '' : `${run.error.name}: ${oneLine(run.error.message)}`,
    ]),
  );
}
