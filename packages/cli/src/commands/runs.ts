/**
 * `kairos jobs runs` and `kairos jobs nodes --store URL`: a store's run history (newest first,
 * filtered, a page at a time) and the schedulers that share it, read from its run ledger.
 */
import type { GetRunsOptions, Run } from 'kairos';
import { EXIT, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { renderColumns } from '../job-table.js';
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

/** `jobs runs`. */
export async function listRuns(options: RunsOptions, io: CommandIO): Promise<number> {
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit '${options.limit}' is not a whole number from 1 to 1000`);
  const outcome = options.outcome
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => (part === 'running' ? null : part));
  return withStore(options.store, async (scheduler) => {
    let page;
    try {
      page = await scheduler.getRuns({
        jobstore: STORE,
        ...(options.job === undefined ? {} : { jobId: options.job }),
        // getRuns names an outcome that is not one.
        ...(outcome === undefined ? {} : { outcome: outcome as GetRunsOptions['outcome'] }),
        ...(options.since === undefined ? {} : { since: options.since }),
        ...(options.until === undefined ? {} : { until: options.until }),
        ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
        limit,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
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

/** The runs as a table: scheduled time (UTC), job, outcome, attempt, scheduler, duration, error. */
export function renderRuns(runs: readonly Run[]): string {
  if (runs.length === 0) return 'No runs.\n';
  return renderColumns(
    ['SCHEDULED (UTC)', 'JOB', 'OUTCOME', 'TRY', 'SCHEDULER', 'TOOK', 'ERROR'],
    runs.map((run) => [
      run.scheduledRunTime.toISOString(),
      run.jobId,
      run.outcome ?? 'running',
      String(run.attempt),
      run.schedulerId,
      run.durationMs === null ? '-' : `${run.durationMs} ms`,
      run.error === null ? '' : `${run.error.name}: ${run.error.message.split('\n')[0] ?? ''}`,
    ]),
  );
}
