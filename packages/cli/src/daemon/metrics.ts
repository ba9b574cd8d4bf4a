/**
 * `--metrics HOST:PORT`: Prometheus metrics of the daemon's runs on `/metrics` and a liveness
 * answer on `/healthz`, served with node:http. The text exposition format (version 0.0.4) is
 * written here by hand rather than through a client library: four metric families do not
 * need one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Run } from 'kairos';
import { UsageError } from '../errors.js';
import { listenProblem } from '../listen-errors.js';

/** Upper bounds (seconds) of the run duration histogram's buckets. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600] as const;

/** One job's numbers. */
interface JobSeries {
  name: string;
  outcomes: Map<string, number>;
  buckets: number[];
  durationSum: number;
  durationCount: number;
  lastSuccess: number | null;
}

/** What the metrics need to know of the jobs when scraped. */
export interface JobView {
  id: string;
  name: string;
  /** Epoch ms, or null (paused, `@reboot`, or no time left). */
  nextRunTime: number | null;
}

/** The run numbers of one daemon, and the server that shows them. */
export class DaemonMetrics {
  readonly #series = new Map<string, JobSeries>();
  readonly #jobs: () => Promise<JobView[]>;
  readonly #running: () => number;
  #server: Server | null = null;

  /**
   * @param jobs the jobs when scraped (for their next run times)
   * @param running the runs in progress
   */
  constructor(jobs: () => Promise<JobView[]>, running: () => number) {
    this.#jobs = jobs;
    this.#running = running;
  }

  /** Counts a run with an outcome (executed, error, timeout, cancelled, missed, skipped). */
  record(jobId: string, name: string, run: Run | null, outcome: string): void {
    let series = this.#series.get(jobId);
    if (series === undefined) {
      series = {
        name,
        outcomes: new Map(),
        buckets: DURATION_BUCKETS.map(() => 0),
        durationSum: 0,
        durationCount: 0,
        lastSuccess: null,
      };
      this.#series.set(jobId, series);
    }
    series.name = name;
    series.outcomes.set(outcome, (series.outcomes.get(outcome) ?? 0) + 1);
    const durationMs = run?.durationMs ?? null;
    if (durationMs !== null) {
      const seconds = durationMs / 1000;
      series.durationSum += seconds;
      series.durationCount += 1;
      DURATION_BUCKETS.forEach((bound, index) => {
        if (seconds <= bound) series.buckets[index] = (series.buckets[index] ?? 0) + 1;
      });
    }
    if (outcome === 'executed') series.lastSuccess = run?.finishedAt?.getTime() ?? Date.now();
  }

  /** The exposition text. */
  async render(): Promise<string> {
    const lines: string[] = [];
    const labels = (id: string, name: string, extra = ''): string =>
      `{job="${escape(name)}",job_id="${escape(id)}"${extra}}`;
    lines.push(
      '# HELP kairos_runs_total Runs by job and outcome.',
      '# TYPE kairos_runs_total counter',
    );
    for (const [id, series] of this.#series)
      for (const [outcome, count] of series.outcomes)
        lines.push(`kairos_runs_total${labels(id, series.name, `,outcome="${outcome}"`)} ${count}`);
    lines.push(
      '# HELP kairos_run_duration_seconds How long runs took, from start to exit.',
      '# TYPE kairos_run_duration_seconds histogram',
    );
    for (const [id, series] of this.#series) {
      if (series.durationCount === 0) continue;
      DURATION_BUCKETS.forEach((bound, index) =>
        lines.push(
          `kairos_run_duration_seconds_bucket${labels(id, series.name, `,le="${bound}"`)} ${series.buckets[index] ?? 0}`,
        ),
      );
      lines.push(
        `kairos_run_duration_seconds_bucket${labels(id, series.name, ',le="+Inf"')} ${series.durationCount}`,
        `kairos_run_duration_seconds_sum${labels(id, series.name)} ${series.durationSum}`,
        `kairos_run_duration_seconds_count${labels(id, series.name)} ${series.durationCount}`,
      );
    }
    lines.push(
      '# HELP kairos_last_success_timestamp_seconds When the last executed run of the job ended.',
      '# TYPE kairos_last_success_timestamp_seconds gauge',
    );
    for (const [id, series] of this.#series)
      if (series.lastSuccess !== null)
        lines.push(
          `kairos_last_success_timestamp_seconds${labels(id, series.name)} ${series.lastSuccess / 1000}`,
        );
    lines.push(
      '# HELP kairos_next_run_timestamp_seconds The next run time of the job.',
      '# TYPE kairos_next_run_timestamp_seconds gauge',
    );
    for (const job of await this.#jobs())
      if (job.nextRunTime !== null)
        lines.push(
          `kairos_next_run_timestamp_seconds${labels(job.id, job.name)} ${job.nextRunTime / 1000}`,
        );
    lines.push(
      '# HELP kairos_runs_running Runs in progress in this daemon.',
      '# TYPE kairos_runs_running gauge',
      `kairos_runs_running ${this.#running()}`,
    );
    return `${lines.join('\n')}\n`;
  }

  /**
   * Serves `/metrics` and `/healthz` on `HOST:PORT`; resolves to the address it listens on.
   * @throws UsageError saying why it cannot listen there (the address is in use, …)
   */
  async listen(address: string): Promise<string> {
    const { host, port } = parseAddress(address);
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      if (path !== '/metrics') {
        response
          .writeHead(404, { 'content-type': 'text/plain' })
          .end('not found: try /metrics or /healthz\n');
        return;
      }
      this.render().then(
        (text) =>
          response
            .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
            .end(text),
        (error: unknown) =>
          response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(listenError(address, error)));
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const bound = server.address() as AddressInfo;
    const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    return `${shown}:${bound.port}`;
  }

  /** Stops serving. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (every interface). */
export function parseAddress(text: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null)
    throw new UsageError(
      `--metrics '${text}' is not HOST:PORT; write for example 127.0.0.1:9464 or :9464`,
    );
  if (port > 65535)
    throw new UsageError(
      `--metrics '${text}': port ${match[3]} is not a port number from 0 to 65535`,
    );
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

/** Why `--metrics` cannot listen on `address`, in Kairos's words. */
function listenError(address: string, error: NodeJS.ErrnoException): UsageError {
  const why =
    listenProblem(error, 'or :PORT for every interface') ??
    `cannot listen there (${error.message})`;
  return new UsageError(`--metrics ${address}: ${why}`);
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
