/**
 * `kairos run`: the cron daemon. Loads crontab files and job files into command jobs of one
 * scheduler, logs every run, reloads on SIGHUP and on file change (adding, replacing and
 * removing only what changed, never stopping runs in flight), and stops on SIGTERM or SIGINT:
 * no new runs, `--grace` seconds for the running commands, then SIGTERM to their process
 * groups (SIGKILL after each job's `killGrace`), exit 0.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { BackgroundScheduler, JobLookupError } from 'kairos';
import { CommandFailedError, EXIT, UsageError } from '../errors.js';
import { parseStoreUrl, redactStoreUrl } from '../store-url.js';
import { fileIdPrefix } from './job-ids.js';
import { readJobs, type FileJob, type FileReading } from './job-files.js';
import { DaemonMetrics } from './metrics.js';
import { OverlapControl, maxInstancesOf } from './overlap.js';
import type { OverlapPolicy } from '../job-config.js';
import { logRunEvents } from './run-events.js';
import { DaemonLog } from './run-log.js';

/** The alias of the store the scheduled jobs live in (`--store`, else memory). */
export const STORE = 'default';
/** The alias of the memory store of `@reboot` jobs: they run once per daemon, never shared. */
export const BOOT_STORE = 'boot';

/** Options of `kairos run`. */
export interface DaemonOptions {
  files: readonly string[];
  system: boolean;
  json: boolean;
  /** The zone of schedules without `CRON_TZ` or a file `timezone`. */
  timezone: string;
  /** Seconds the running commands get at a stop before they are killed. */
  graceSeconds: number;
  /** A run this many seconds late (the daemon was down or busy) still runs, once. */
  catchUpSeconds: number;
  /** `--store URL`, else the jobs live in memory. */
  store?: string;
  /** `HOST:PORT` for `/metrics` and `/healthz`. */
  metrics?: string;
  /** Reload when a file changes. */
  watch: boolean;
  /** The overlap policy of lines and jobs that set none. */
  overlap: OverlapPolicy;
}

/** Runs the daemon until SIGTERM or SIGINT; resolves to the exit code. */
export async function runDaemon(
  options: DaemonOptions,
  write: (line: string) => void,
): Promise<number> {
  const log = new DaemonLog(write, { json: options.json });
  const daemon = new Daemon(options, log);
  return daemon.run();
}

/** One text per file, read now. */
async function readFiles(files: readonly string[]): Promise<Map<string, string | Error>> {
  const texts = new Map<string, string | Error>();
  for (const file of files) {
    try {
      texts.set(file, await readFile(file, 'utf8'));
    } catch (error) {
      texts.set(file, error as Error);
    }
  }
  return texts;
}

class Daemon {
  readonly #options: DaemonOptions;
  readonly #log: DaemonLog;
  readonly #scheduler: BackgroundScheduler;
  readonly #overlap: OverlapControl;
  readonly #metrics: DaemonMetrics | null;
  /** The scheduled jobs (not `@reboot`) as last applied, by id. */
  #jobs = new Map<string, FileJob>();
  /** Every job ever loaded, by id, for log lines of runs that outlive a reload. */
  readonly #known = new Map<string, FileJob>();
  /** Hash of each file's text as last loaded. */
  readonly #loaded = new Map<string, string>();
  readonly #watchers: FSWatcher[] = [];
  #reloading: Promise<void> = Promise.resolve();
  #reloadTimer: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(options: DaemonOptions, log: DaemonLog) {
    this.#options = options;
    this.#log = log;
    const store = options.store === undefined ? { type: 'memory' } : parseStoreUrl(options.store);
    this.#scheduler = new BackgroundScheduler({
      timezone: options.timezone,
      jobstores: { [STORE]: store, [BOOT_STORE]: { type: 'memory' } },
      // Cron starts every due command at once: no executor queue in front of them.
      executors: { default: { type: 'async', maxWorkers: 100_000 } },
      jobDefaults: { coalesce: true, misfireGraceTime: options.catchUpSeconds, maxInstances: 1 },
      commands: true,
      // Only command tasks: a module reference found in the store is not loaded.
      taskModules: [],
      daemon: false,
      logger: log.schedulerLogger((id) => this.#known.get(id)?.name),
    });
    this.#overlap = new OverlapControl(this.#scheduler, log);
    this.#metrics =
      options.metrics === undefined
        ? null
        : new DaemonMetrics(
            async () =>
              (await this.#scheduler.getJobs()).map((job) => ({
                id: job.id,
                name: job.name,
                nextRunTime: job.nextRunTime?.getTime() ?? null,
              })),
            () => this.#overlap.running,
          );
    logRunEvents(this.#scheduler, {
      log,
      metrics: this.#metrics,
      job: (id) => this.#known.get(id),
      catchUpSeconds: options.catchUpSeconds,
    });
  }

  async run(): Promise<number> {
    const texts = await readFiles(this.#options.files);
    const unreadable = [...texts]
      .filter((entry): entry is [string, Error] => entry[1] instanceof Error)
      .map(([file, error]) => `${file}: cannot read the file: ${error.message}`);
    if (unreadable.length > 0) throw new UsageError(unreadable.join('\n'));
    const readings = this.#read(texts as Map<string, string>);
    const errors = readings.flatMap((reading) => reading.errors);
    if (errors.length > 0) {
      for (const error of errors) this.#log.error('daemon', error);
      this.#log.error(
        'daemon',
        `not started: ${errors.length} error(s) in the files; kairos check shows them too`,
      );
      return EXIT.problems;
    }
    for (const warning of readings.flatMap((reading) => reading.warnings))
      this.#log.warn('daemon', warning);
    if (process.pid === 1)
      this.#log.warn(
        'daemon',
        'running as PID 1: SIGTERM, SIGINT and SIGHUP are handled, but Node cannot reap orphaned grandchildren (zombies stay until the container stops); run the container with --init or tini',
      );

    try {
      // Paused until the files' jobs are applied: a stored job must not run with the options
      // an earlier daemon stored (its misfire grace time, its command) before they are replaced.
      await this.#scheduler.start({ paused: true });
    } catch (error) {
      await this.#scheduler.shutdown({ wait: false }).catch(() => undefined);
      throw new CommandFailedError(
        `cannot open the job store ${redactStoreUrl(this.#options.store ?? '')}: ${(error as Error).message}`,
      );
    }
    const stopped = this.#trapSignals();
    const jobs = readings.flatMap((reading) => reading.jobs);
    await this.#removeStale(jobs);
    const counts = await this.#apply(jobs.filter((job) => job.trigger !== 'reboot'));
    const reboot = jobs.filter((job) => job.trigger === 'reboot');
    for (const job of reboot) await this.#add(job, BOOT_STORE);
    this.#scheduler.resume();
    if (this.#metrics !== null && this.#options.metrics !== undefined) {
      const address = await this.#metrics.listen(this.#options.metrics);
      this.#log.info(
        'daemon',
        `metrics on http://${address}/metrics, health on http://${address}/healthz`,
      );
    }
    if (this.#options.watch) this.#watch();
    const where =
      this.#options.store === undefined ? 'in memory' : `in ${redactStoreUrl(this.#options.store)}`;
    this.#log.info(
      'daemon',
      `started: ${counts.added + counts.changed + counts.unchanged} job(s) from ${this.#options.files.join(', ')} ${where}, ${reboot.length} @reboot (pid ${process.pid})`,
    );
    await stopped;
    return EXIT.ok;
  }

  #read(texts: ReadonlyMap<string, string>): FileReading[] {
    const user = userInfo().username;
    return [...texts].map(([file, text]) => {
      this.#loaded.set(file, hash(text));
      return readJobs(file, text, {
        system: this.#options.system,
        timezone: this.#options.timezone,
        user,
        root: process.getuid?.() === 0,
        overlap: this.#options.overlap,
      });
    });
  }

  /** Removes stored jobs of these files whose line or job is gone (`--store` only). */
  async #removeStale(jobs: readonly FileJob[]): Promise<void> {
    if (this.#options.store === undefined) return;
    const prefixes = this.#options.files.map(fileIdPrefix);
    const wanted = new Set(jobs.map((job) => job.id));
    for (const job of await this.#scheduler.getJobs(STORE)) {
      if (wanted.has(job.id) || !prefixes.some((prefix) => job.id.startsWith(prefix))) continue;
      await this.#remove(job.id, job.name);
    }
  }

  /** Adds, replaces and removes scheduled jobs so they are `jobs`; runs in flight go on. */
  async #apply(
    jobs: readonly FileJob[],
  ): Promise<{ added: number; changed: number; removed: number; unchanged: number }> {
    const counts = { added: 0, changed: 0, removed: 0, unchanged: 0 };
    const wanted = new Map(jobs.map((job) => [job.id, job]));
    for (const [id, job] of this.#jobs) {
      if (wanted.has(id)) continue;
      await this.#remove(id, job.name);
      counts.removed += 1;
    }
    for (const job of jobs) {
      const before = this.#jobs.get(job.id);
      if (before?.fingerprint === job.fingerprint) {
        counts.unchanged += 1;
        continue;
      }
      await this.#add(job, STORE);
      if (before === undefined) counts.added += 1;
      else counts.changed += 1;
    }
    this.#jobs = wanted;
    return counts;
  }

  async #add(job: FileJob, store: string): Promise<void> {
    this.#known.set(job.id, job);
    this.#overlap.track(job.id, job.name, job.overlap, store);
    await this.#scheduler.addJob(job.task, job.trigger === 'reboot' ? null : job.trigger, {
      id: job.id,
      name: job.name,
      jobstore: store,
      maxInstances: maxInstancesOf(job.overlap),
      // A restart or a peer adds the same job again: an unchanged schedule keeps its stored
      // next run time, so a run missed while no daemon was up is still due (within catch-up).
      replaceExisting: true,
    });
  }

  async #remove(id: string, name: string): Promise<void> {
    this.#overlap.forget(id);
    try {
      await this.#scheduler.removeJob(id, STORE);
    } catch (error) {
      if (!(error instanceof JobLookupError)) throw error; // a peer removed it first
    }
    this.#log.info('daemon', `removed job ${name} (${id}): no longer in its file`, {
      job: name,
      jobId: id,
    });
  }

  /** Reads the files again and applies what changed; a file with errors keeps its jobs. */
  async #reload(reason: string, onlyIfChanged: boolean): Promise<void> {
    const texts = await readFiles(this.#options.files);
    if (this.#stopping) return;
    if (onlyIfChanged) {
      const changed = [...texts].some(
        ([file, text]) => typeof text === 'string' && this.#loaded.get(file) !== hash(text),
      );
      if (!changed) return;
    }
    const jobs: FileJob[] = [];
    const readable = new Map<string, string>();
    for (const [file, text] of texts) {
      if (typeof text === 'string') readable.set(file, text);
      else {
        this.#log.error(
          'daemon',
          `${file}: cannot read the file (${text.message}); its jobs are kept`,
        );
        jobs.push(...this.#jobsOf(file));
      }
    }
    for (const reading of this.#read(readable)) {
      for (const warning of reading.warnings) this.#log.warn('daemon', warning);
      if (reading.errors.length === 0) {
        jobs.push(...reading.jobs.filter((job) => job.trigger !== 'reboot'));
        continue;
      }
      for (const error of reading.errors) this.#log.error('daemon', error);
      this.#log.error(
        'daemon',
        `${reading.file}: not reloaded (${reading.errors.length} error(s)); its jobs are kept`,
      );
      jobs.push(...this.#jobsOf(reading.file));
    }
    const counts = await this.#apply(jobs);
    this.#log.info(
      'daemon',
      `reloaded (${reason}): ${counts.added} added, ${counts.changed} changed, ${counts.removed} removed, ${counts.unchanged} unchanged; ${this.#overlap.running} run(s) in flight go on`,
    );
  }

  #jobsOf(file: string): FileJob[] {
    const prefix = fileIdPrefix(file);
    return [...this.#jobs.values()].filter((job) => job.id.startsWith(prefix));
  }

  #scheduleReload(reason: string, onlyIfChanged: boolean, delayMs: number): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => {
      this.#reloading = this.#reloading
        .then(() => this.#reload(reason, onlyIfChanged))
        .catch((error: unknown) =>
          this.#log.error('daemon', `reload failed, the jobs are kept: ${String(error)}`),
        );
    }, delayMs);
  }

  /**
   * Watches the files' folders rather than the files: editors and Kubernetes config maps
   * replace a file (a new inode), which a watch on the file itself would not follow.
   */
  #watch(): void {
    const folders = new Map<string, Set<string>>();
    for (const file of this.#options.files) {
      const folder = dirname(resolve(file));
      folders.set(folder, (folders.get(folder) ?? new Set()).add(basename(file)));
    }
    for (const folder of folders.keys()) {
      try {
        const watcher = watch(folder, () => this.#scheduleReload('file changed', true, 250));
        watcher.on('error', (error) =>
          this.#log.warn(
            'daemon',
            `cannot watch ${folder} any more (${error.message}); SIGHUP still reloads`,
          ),
        );
        this.#watchers.push(watcher);
      } catch (error) {
        this.#log.warn(
          'daemon',
          `cannot watch ${folder} (${(error as Error).message}); SIGHUP still reloads`,
        );
      }
    }
  }

  /** SIGHUP reloads; the first SIGTERM or SIGINT stops gracefully, a second one at once. */
  #trapSignals(): Promise<void> {
    let hurry: () => void = () => undefined;
    const hurried = new Promise<void>((resolve) => (hurry = resolve));
    const onHup = (): void => this.#scheduleReload('SIGHUP', false, 0);
    return new Promise<void>((resolve, reject) => {
      const onStop = (signal: NodeJS.Signals): void => {
        if (this.#stopping) {
          this.#log.warn('daemon', `received ${signal} again: stopping the running commands now`);
          hurry();
          return;
        }
        this.#stopping = true;
        this.#stop(signal, hurried).then(() => {
          process.off('SIGTERM', onStop);
          process.off('SIGINT', onStop);
          process.off('SIGHUP', onHup);
          resolve();
        }, reject);
      };
      process.on('SIGTERM', onStop);
      process.on('SIGINT', onStop);
      process.on('SIGHUP', onHup);
    });
  }

  async #stop(signal: NodeJS.Signals, hurried: Promise<void>): Promise<void> {
    clearTimeout(this.#reloadTimer);
    for (const watcher of this.#watchers) watcher.close();
    this.#overlap.stop();
    this.#scheduler.pause();
    await this.#reloading;
    const running = this.#overlap.running;
    const grace = this.#options.graceSeconds;
    this.#log.info(
      'daemon',
      `received ${signal}: no new runs; ${running === 0 ? 'nothing running' : `waiting up to ${grace} s for ${running} running command(s)`}`,
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#overlap.whenIdle(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, grace * 1000))),
      hurried,
    ]);
    clearTimeout(timer);
    const left = this.#overlap.running;
    if (left > 0)
      this.#log.warn(
        'daemon',
        `stopping ${left} command(s) still running: SIGTERM to their process groups, SIGKILL after their kill grace`,
      );
    await this.#scheduler.shutdown({ wait: false });
    await this.#metrics?.close();
    this.#log.info('daemon', 'stopped');
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
