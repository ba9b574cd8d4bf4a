/**
 * Runs `kairos run` (dist/bin.js) as a real process with `--json`, collects its log events, and
 * lets a test wait for one, signal the process and wait for its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageDir } from './cli.js';

const bin = join(packageDir, 'dist', 'bin.js');

/** One JSON log line of the daemon. */
export interface LogLine {
  time: string;
  level: string;
  event: string;
  message: string;
  job?: string;
  jobId?: string;
  runId?: string;
  due?: string;
  exitCode?: number | null;
  signal?: string | null;
  durationMs?: number | null;
  stream?: string;
}

/** A running daemon. */
export class Daemon {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(args: readonly string[], cwd: string, env: Record<string, string> = {}) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npx tsc -p tsconfig.build.json`);
    this.child = spawn(process.execPath, [bin, 'run', '--json', ...args], {
      cwd,
      env: { ...process.env, TZ: 'UTC', ...env },
    });
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) {
        if (line.trim() === '') continue;
        if (process.env.KAIROS_IT_VERBOSE === '1') console.log(line);
        this.lines.push(JSON.parse(line) as LogLine);
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Lines of one event (and job name). */
  events(event: string, job?: string): LogLine[] {
    return this.lines.filter(
      (line) => line.event === event && (job === undefined || line.job === job),
    );
  }

  /** Waits until `test` holds for the lines seen so far. */
  async waitFor(
    what: string,
    test: (lines: LogLine[]) => boolean,
    timeoutMs = 15_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this.lines)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; log:\n${this.lines.map((line) => JSON.stringify(line)).join('\n')}\nstderr:\n${this.stderr}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the daemon's `started` line. */
  ready(): Promise<void> {
    return this.waitFor('the daemon to start', (lines) =>
      lines.some((line) => line.event === 'daemon' && line.message.startsWith('started')),
    );
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.signal('SIGTERM');
    return this.exited;
  }
}

/** A new temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kairos-run-'));
}

/** The lines of a file the commands append to ([] when it does not exist yet). */
export function linesOf(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
