/**
 * Runs a command task as a child process in its own process group, so that stopping it (its
 * timeout, the job's timeout, a shutdown) reaches everything it started: SIGTERM to the group,
 * then SIGKILL after the grace.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { CommandFailedError, CommandTimeoutError } from '../errors.js';
import { groupLives } from '../proc.js';
import { DEFAULT_KILL_GRACE, describeCommand, type CommandTask } from './command-task.js';
import { OutputTail } from './output-tail.js';

/** Bytes of each output stream a result keeps when no `tailBytes` is given: 64 KiB. */
export const DEFAULT_TAIL_BYTES = 64 * 1024;

/** How many of the last stderr lines a failure's message quotes. */
const QUOTED_LINES = 10;

/** Options of {@link runCommand}. */
export interface CommandRunOptions {
  /**
   * Stops the command when aborted (SIGTERM to its process group, SIGKILL after `killGrace`);
   * the promise then rejects with the signal's reason once the command has exited.
   */
  readonly signal?: AbortSignal;
  /** Called with each line the command prints, as it completes, without its line ending. */
  readonly onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Bytes of each stream kept in the result. Default 65,536 (64 KiB). */
  readonly tailBytes?: number;
}

/** How a command that exited with code 0 went: what a command job's run returns. */
export interface CommandResult {
  /** Always 0: any other exit is a {@link CommandFailedError}. */
  readonly exitCode: number;
  /** Milliseconds from start to exit. */
  readonly durationMs: number;
  /** The last bytes of its standard output. */
  readonly stdout: string;
  /** The last bytes of its standard error. */
  readonly stderr: string;
  /** Bytes of standard output dropped before the kept tail (0 when all of it is kept). */
  readonly stdoutDropped: number;
  /** Bytes of standard error dropped before the kept tail. */
  readonly stderrDropped: number;
}

/** How often a stopped command's group is looked at once its shell has exited (ms). */
const GROUP_POLL_MS = 50;

/**
 * Runs a command task and resolves when it exits with code 0.
 * @throws CommandFailedError when it cannot start, exits non-zero or is killed by a signal
 * @throws CommandTimeoutError when it runs past its own `timeout`
 * @throws the abort reason of `options.signal` when that stopped it
 */
export function runCommand(
  task: CommandTask,
  options: CommandRunOptions = {},
): Promise<CommandResult> {
  const { signal, onLine } = options;
  const tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
  const killGraceMs = (task.killGrace ?? DEFAULT_KILL_GRACE) * 1000;
  const name = describeCommand(task);
  signal?.throwIfAborted();

  const [file, args] =
    'command' in task
      ? ['/bin/sh', ['-c', task.command]]
      : [task.argv[0] ?? '', task.argv.slice(1)];
  const started = performance.now();
  const child = spawn(file, args, {
    cwd: task.cwd,
    uid: task.uid,
    gid: task.gid,
    env: task.env === undefined ? process.env : { ...process.env, ...task.env },
    detached: true,
    stdio: [task.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const stdout = new OutputTail(tailBytes, (line) => onLine?.('stdout', line));
  const stderr = new OutputTail(tailBytes, (line) => onLine?.('stderr', line));
  child.stdout?.on('data', (chunk: Buffer) => stdout.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
  if (child.stdin !== null) {
    // A command that exits without reading its input closes the pipe: not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(task.stdin);
  }

  return new Promise<CommandResult>((resolve, reject) => {
    let stopped = false;
    let stopReason: unknown = null;
    let killed = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let startError: Error | null = null;
    /** The run's end, held while the rest of a stopped group lives out its kill grace. */
    let held: (() => void) | null = null;

    const signalGroup = (name: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, name);
      } catch {
        // ESRCH: the group has already exited.
      }
    };
    const stop = (reason: unknown): void => {
      if (stopped) return;
      stopped = true;
      stopReason = reason;
      signalGroup('SIGTERM');
      graceTimer = setTimeout(() => {
        killed = true;
        signalGroup('SIGKILL');
        held?.();
      }, killGraceMs);
    };
    const timeoutTimer =
      task.timeout === undefined
        ? undefined
        : setTimeout(
            () => stop(new CommandTimeoutError(name, task.timeout ?? 0, false, killGraceMs / 1000)),
            task.timeout * 1000,
          );
    const onAbort = (): void => stop(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error) => {
      startError = error;
    });
    child.on('close', (code, exitSignal) => {
      clearTimeout(timeoutTimer);
      signal?.removeEventListener('abort', onAbort);
      // Stopped, and the shell has exited but a process it started lives on: the run ends
      // once that process has ended too (it got the SIGTERM and may be ending now), or at the
      // SIGKILL at the end of the kill grace (one that ignores SIGTERM), whichever comes first.
      if (stopped && !killed && child.pid !== undefined && groupLives(child.pid)) {
        const pgid = child.pid;
        const watch = setInterval(() => {
          if (groupLives(pgid)) return;
          clearTimeout(graceTimer);
          held?.();
        }, GROUP_POLL_MS);
        held = () => {
          held = null;
          clearInterval(watch);
          settle(code, exitSignal);
        };
        return;
      }
      clearTimeout(graceTimer);
      settle(code, exitSignal);
    });

    const settle = (code: number | null, exitSignal: NodeJS.Signals | null): void => {
      stdout.end();
      stderr.end();
      if (stopReason instanceof CommandTimeoutError) {
        return reject(new CommandTimeoutError(name, task.timeout ?? 0, killed, killGraceMs / 1000));
      }
      // The abort reason as given (the run layer's JobTimeoutError or RunCancelledError).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      if (stopped) return reject(stopReason);
      const details = { exitCode: code, signal: exitSignal, stderr: stderr.text };
      if (startError !== null) {
        return reject(
          new CommandFailedError(
            `Command ${name} could not start: ${whyNotStarted(startError, task.cwd)}`,
            { ...details, exitCode: null },
            { cause: startError },
          ),
        );
      }
      if (code !== 0) {
        const how =
          exitSignal !== null ? `was killed by ${exitSignal}` : `exited with code ${code}`;
        return reject(
          new CommandFailedError(`Command ${name} ${how}${quoteTail(stderr.text)}`, details),
        );
      }
      resolve({
        exitCode: 0,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        stdout: stdout.text,
        stderr: stderr.text,
        stdoutDropped: stdout.droppedBytes,
        stderrDropped: stderr.droppedBytes,
      });
    };
  });
}

/**
 * Why a command could not start, in words: spawn's ENOENT names the program (`spawn /bin/sh
 * ENOENT`) also when what is missing is the working folder `cwd`.
 */
function whyNotStarted(error: Error, cwd: string | undefined): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' && cwd !== undefined && !existsSync(cwd))
    return `its working folder '${resolvePath(cwd)}' (cwd) does not exist (${error.message})`;
  return error.message;
}

/** `; its standard error ended with:` and the last lines, or nothing when it printed none. */
function quoteTail(text: string): string {
  const lines = text.trimEnd().split('\n').slice(-QUOTED_LINES);
  if (lines.length === 1 && lines[0] === '') return '';
  return `; its standard error ended with:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}
