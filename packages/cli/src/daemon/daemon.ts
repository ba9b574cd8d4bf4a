/**
 * `kairos run`: the cron daemon. Loads crontab files and job files into command jobs of one
 * scheduler, logs every run, reloads on SIGHUP and on file change (adding, replacing and
 * removing only what changed, never stopping runs in flight), and stops on SIGTERM or SIGINT:
 * no new runs, `--grace` seconds for the running commands, then SIGTERM to their process
 * groups (SIGKILL after each job's `killGrace`), exit 0.
 */
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { BackgroundScheduler, redactUrl } from 'kairos';
import { CommandFailedError, EXIT, UsageError, messageOf } from '../errors.js';
import { EXIT_READER_GONE, whenReaderGone } from '../io.js';
import { parseStoreUrl } from '../store-url.js';
import {
  ApplyFailedError,
  AppliedJobs,
  BOOT_STORE,
  STORE,
  type ApplyCounts,
} from './applied-jobs.js';
import { childProcessesEnded } from './child-processes.js';
import { readJobs, type FileJob, type FileReading } from './job-files.js';
import { DaemonMetrics } from './metrics.js';
import { OverlapControl } from './overlap.js';
import type { OverlapPolicy } from '../job-config.js';
import { logRunEvents } from './run-events.js';
import { DaemonLog } from './run-log.js';
import { FileWatch, distinctFiles, readFiles } from './watched-files.js';

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
  const daemon = new Daemon({ ...options, files: await distinctFiles(options.files, log) }, log);
  return daemon.run();
}

/** The log line of a reload that failed, saying truly whether the jobs were kept. */
function reloadFailure(error: unknown): string {
  return error instanceof ApplyFailedError && error.partly
    ? `reload failed part way: ${error.message}; some jobs may already be changed: fix the cause and send SIGHUP to apply the files again`
    : `reload failed, nothing changed, the jobs are kept: ${messageOf(error)}`;
}

/** The longest a reload waits for the writes in its files' folders to stop (ms). */
const MAX_RELOAD_DELAY_MS = 1000;

/** A file as the reload compares it: its text's hash, or why it cannot be read. */
function stateOf(text: string | Error): string {
  return typeof text === 'string' ? hash(text) : `unreadable: ${text.message}`;
}

/** The `killGrace` of a command task that gives none (core's default), in seconds. */
const DEFAULT_KILL_GRACE_SECONDS = 5;

class Daemon {
  readonly #options: DaemonOptions;
  readonly #log: DaemonLog;
  readonly #scheduler: BackgroundScheduler;
  readonly #overlap: OverlapControl;
  readonly #metrics: DaemonMetrics | null;
  readonly #applied: AppliedJobs;
  /** Each file as last read: its text's hash, or why it could not be read (see stateOf). */
  readonly #loaded = new Map<string, string>();
  /** Null with `--no-watch`. */
  #watch: FileWatch | null = null;
  #reloading: Promise<void> = Promise.resolve();
  #reloadTimer: NodeJS.Timeout | undefined;
  /** When the reload waited for must happen at the latest (epoch ms), or null. */
  #reloadDueBy: number | null = null;
  #stopping = false;
  /** Whether `start()` of the scheduler was called (it may still be opening the store). */
  #openingStore = false;
  /** Whether the daemon stops because the reader of its output went away. */
  #readerGone = false;
  /** Removes the signal handlers `#trapSignals` set. */
  #untrapSignals: () => void = () => undefined;

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
      logger: log.schedulerLogger((id) => this.#applied.known(id)?.name),
    });
    this.#overlap = new OverlapControl(this.#scheduler, log);
    this.#applied = new AppliedJobs(this.#scheduler, this.#overlap, log);
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
      job: (id) => this.#applied.known(id),
      catchUpSeconds: options.catchUpSeconds,
    });
  }

  async run(): Promise<number> {
    // Stop signals are handled from the first step: one that comes while the files are read or
    // the store is opened stops the daemon as any other does (it killed it, exit 143).
    const stopped = this.#trapSignals();
    let counts: ApplyCounts & { reboot: number };
    try {
      const jobs = await this.#readAtStart();
      if (jobs === null) {
        this.#untrapSignals();
        return EXIT.problems;
      }
      if (!this.#stopping) await this.#listenForMetrics();
      if (!this.#stopping) await this.#openStore();
      if (this.#stopping) {
        await stopped;
        return this.#readerGone ? EXIT_READER_GONE : EXIT.ok;
      }
      counts = await this.#addAtStart(jobs);
    } catch (error) {
      this.#untrapSignals();
      throw error;
    }
    if (!this.#stopping) this.#scheduler.resume();
    // A stop signal may have come during the start: nothing to watch then.
    if (this.#options.watch && !this.#stopping) {
      this.#watch = new FileWatch(
        this.#options.files,
        () => this.#scheduleReload('file changed', true, 250),
        this.#log,
      );
      await this.#watch.follow();
    }
    const where =
      this.#options.store === undefined ? 'in memory' : `in ${redactUrl(this.#options.store)}`;
    this.#log.info(
      'daemon',
      `started: ${counts.added + counts.changed + counts.unchanged} job(s) from ${this.#options.files.join(', ')} ${where}, ${counts.reboot} @reboot (pid ${process.pid})`,
    );
    await stopped;
    return this.#readerGone ? EXIT_READER_GONE : EXIT.ok;
  }

  /** The files' jobs, or null when a file has errors (logged: the daemon does not start). */
  async #readAtStart(): Promise<FileJob[] | null> {
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
      return null;
    }
    for (const warning of readings.flatMap((reading) => reading.warnings))
      this.#log.warn('daemon', warning);
    if (process.pid === 1)
      this.#log.warn(
        'daemon',
        'running as PID 1: SIGTERM, SIGINT and SIGHUP are handled, but Node cannot reap orphaned grandchildren (zombies stay until the container stops); run the container with --init or tini',
      );
    return readings.flatMap((reading) => reading.jobs);
  }

  /** Binds `--metrics` before anything runs: an address it cannot listen on runs nothing. */
  async #listenForMetrics(): Promise<void> {
    if (this.#metrics === null || this.#options.metrics === undefined) return;
    const address = await this.#metrics.listen(this.#options.metrics);
    this.#log.info(
      'daemon',
      `metrics on http://${address}/metrics, health on http://${address}/healthz`,
    );
  }

  /**
   * Starts the scheduler paused, until the files' jobs are applied: a stored job must not run
   * with the options an earlier daemon stored (its misfire grace time, its command) before they
   * are replaced.
   */
  async #openStore(): Promise<void> {
    try {
      this.#openingStore = true;
      await this.#scheduler.start({ paused: true });
    } catch (error) {
      await this.#scheduler.shutdown({ wait: false }).catch(() => undefined);
      await this.#metrics?.close();
      throw new CommandFailedError(
        `cannot open the job store ${redactUrl(this.#options.store ?? '')}: ${messageOf(error)}`,
      );
    }
  }

  /**
   * Adds the files' jobs to the paused scheduler. A failure ends the start, nothing having run:
   * the scheduler is shut down and the error says which job and why.
   */
  async #addAtStart(jobs: readonly FileJob[]): Promise<ApplyCounts & { reboot: number }> {
    const reboot = jobs.filter((job) => job.trigger === 'reboot');
    try {
      // --store: stored jobs of these files whose line or job is gone.
      if (this.#options.store !== undefined)
        await this.#applied.removeStale(this.#options.files, jobs);
      const counts = await this.#applied.apply(
        jobs.filter((job) => job.trigger !== 'reboot'),
        reboot,
      );
      return { ...counts, reboot: reboot.length };
    } catch (error) {
      this.#untrapSignals();
      await this.#scheduler.shutdown({ wait: false }).catch(() => undefined);
      await this.#metrics?.close();
      throw new CommandFailedError(`not started: ${messageOf(error)}`);
    }
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

  /** Reads the files again and applies what changed; a file with errors keeps its jobs. */
  async #reload(reason: string, onlyIfChanged: boolean): Promise<void> {
    const texts = await readFiles(this.#options.files);
    if (this.#stopping) return;
    await this.#watch?.follow();
    if (onlyIfChanged) {
      const changed = [...texts].some(([file, text]) => this.#loaded.get(file) !== stateOf(text));
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
        // Said once: the folder's next changes reload only when the file changes again.
        this.#loaded.set(file, stateOf(text));
        jobs.push(...this.#applied.of(file));
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
      jobs.push(...this.#applied.of(reading.file));
    }
    const counts = await this.#applied.apply(jobs);
    this.#log.info(
      'daemon',
      `reloaded (${reason}): ${counts.added} added, ${counts.changed} changed, ${counts.removed} removed, ${counts.unchanged} unchanged; ${this.#overlap.running} run(s) in flight go on`,
    );
  }

  #scheduleReload(reason: string, onlyIfChanged: boolean, delayMs: number): void {
    clearTimeout(this.#reloadTimer);
    // Each change puts the reload off by `delayMs`, but not past a second after the first: a
    // folder written to all the time (a log file beside the crontab) would put it off forever.
    const now = Date.now();
    const dueBy = (this.#reloadDueBy ??= now + MAX_RELOAD_DELAY_MS);
    this.#reloadTimer = setTimeout(
      () => {
        this.#reloadDueBy = null;
        this.#reloading = this.#reloading
          .then(() => this.#reload(reason, onlyIfChanged))
          .catch((error: unknown) => {
            // The files are read again at the next change: what failed part way is applied again.
            if (error instanceof ApplyFailedError && error.partly) this.#loaded.clear();
            this.#log.error('daemon', reloadFailure(error));
          });
      },
      Math.max(0, Math.min(delayMs, dueBy - now)),
    );
  }

  /** SIGHUP reloads; the first SIGTERM or SIGINT stops gracefully, a second one at once. */
  #trapSignals(): Promise<void> {
    let hurry: () => void = () => undefined;
    const hurried = new Promise<void>((resolve) => (hurry = resolve));
    let first: NodeJS.Signals | null = null;
    const onHup = (): void => this.#scheduleReload('SIGHUP', false, 0);
    return new Promise<void>((resolve, reject) => {
      const onStop = (signal: NodeJS.Signals): void => {
        if (first !== null) {
          const again = signal === first ? `${signal} again` : `${signal} after ${first}`;
          this.#log.warn(
            'daemon',
            `received ${again}, a second stop signal: stopping the running commands now`,
          );
          hurry();
          return;
        }
        first = signal;
        this.#stopping = true;
        this.#stop(signal, hurried).then(() => {
          this.#untrapSignals();
          resolve();
        }, reject);
      };
      this.#untrapSignals = () => {
        process.off('SIGTERM', onStop);
        process.off('SIGINT', onStop);
        process.off('SIGHUP', onHup);
      };
      process.on('SIGTERM', onStop);
      process.on('SIGINT', onStop);
      process.on('SIGHUP', onHup);
      // The reader of the log went away (a pipe closed): stop as at SIGTERM, so the commands
      // running are stopped and waited for rather than left behind; then exit 141.
      whenReaderGone(() => {
        this.#readerGone = true;
        onStop('SIGPIPE');
      });
    });
  }

  async #stop(signal: NodeJS.Signals, hurried: Promise<void>): Promise<void> {
    clearTimeout(this.#reloadTimer);
    this.#watch?.close();
    this.#overlap.stop();
    // Not running yet when the signal came during the start.
    if (this.#scheduler.running) this.#scheduler.pause();
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
    // A shutdown during the store's opening waits for it; before it there is none to shut down.
    if (this.#scheduler.running || this.#openingStore) {
      // A start that failed has nothing to shut down (run() reports its failure).
      await this.#scheduler.shutdown({ wait: false }).catch(() => undefined);
    }
    await this.#metrics?.close();
    await this.#commandsEnded();
    this.#log.info('daemon', 'stopped');
  }

  /**
   * Waits for the stopped commands' processes to exit: one that ignores SIGTERM lives until
   * SIGKILL, its job's `killGrace` later (a second of slack on top).
   */
  async #commandsEnded(): Promise<void> {
    const killGraces = this.#applied
      .everKnown()
      .map((job) => job.task.killGrace ?? DEFAULT_KILL_GRACE_SECONDS);
    const limitMs = (Math.max(DEFAULT_KILL_GRACE_SECONDS, ...killGraces) + 1) * 1000;
    if (!(await childProcessesEnded(limitMs)))
      this.#log.warn(
        'daemon',
        `some commands had not exited ${limitMs / 1000} s after SIGTERM; stopping without them`,
      );
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
