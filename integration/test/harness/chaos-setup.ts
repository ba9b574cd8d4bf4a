/**
 * What the lease and chaos scenarios start with: a store of their own (harness/stores.ts), a
 * directory for the run file the tasks append to, and a group of chaos-worker processes, all
 * removed when the test finishes; and the run file read back.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExpectStatic, TestContext } from 'vitest';
import { ChaosGroup, type ChaosProcess } from './chaos-process.js';
import { createTestStore, type StoreKind, type TestStore } from './stores.js';

/** A store, a run file and a process group for one test. */
export interface ChaosScenario {
  readonly store: TestStore;
  readonly processes: ChaosGroup;
  /** The file every task appends its `start` and `end` lines to. */
  readonly runFile: string;
  /** A scheduler id unique to this test: `${label}-${kind}-${random}-${name}`. */
  schedulerId(name: string): string;
}

/** A fresh store of `kind`, a run file and a process group, cleaned up when the test finishes. */
export async function chaosScenario(
  kind: StoreKind,
  label: string,
  onTestFinished: TestContext['onTestFinished'],
): Promise<ChaosScenario> {
  const store = await createTestStore(kind, label);
  const directory = await mkdtemp(join(tmpdir(), `kairos-it-${label}-runs-`));
  const processes = new ChaosGroup();
  onTestFinished(async () => {
    await processes.killAll();
    await store.cleanup();
    await rm(directory, { recursive: true, force: true });
  });
  const tag = `${label}-${kind}-${randomBytes(3).toString('hex')}`;
  return {
    store,
    processes,
    runFile: join(directory, 'runs.log'),
    schedulerId: (name) => `${tag}-${name}`,
  };
}

/** A run start the run file holds: which run, of which job and time, which attempt, where. */
export interface StartedRun {
  runId: string;
  jobId: string;
  scheduled: number;
  attempt: number;
  schedulerId: string;
  /** When the task started (epoch ms). */
  at: number;
}

/** The run file: every run start in order, and the ids of the runs whose task returned. */
export interface RunFile {
  starts: StartedRun[];
  ended: Set<string>;
}

/** Reads the run file (empty when no run has started yet). */
export async function readRunFile(path: string): Promise<RunFile> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const starts: StartedRun[] = [];
  const ended = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    if (fields[0] === 'start' && fields.length === 7) {
      const [, runId = '', jobId = '', scheduled, attempt, schedulerId = '', at] = fields;
      starts.push({
        runId,
        jobId,
        scheduled: Number(scheduled),
        attempt: Number(attempt),
        schedulerId,
        at: Number(at),
      });
    } else if (fields[0] === 'end' && fields.length === 2) {
      ended.add(fields[1] ?? '');
    } else {
      throw new Error(`run file ${path}: a line that is neither a start nor an end: ${line}`);
    }
  }
  return { starts, ended };
}

/**
 * Checks that the processes printed nothing unexpected: no stderr, no non-JSON output, no
 * uncaught error (`crash`), no failed command, and that each one not killed exited with code 0.
 */
export function expectCleanProcesses(
  expect: ExpectStatic,
  processes: Iterable<ChaosProcess>,
  killed: ReadonlySet<ChaosProcess> = new Set(),
): void {
  for (const process of processes) {
    expect(process.stderr, `stderr of ${process.role.name}`).toBe('');
    expect(process.strayOutput, `output of ${process.role.name}`).toEqual([]);
    const failures = process.events.filter((e) => e.type === 'crash' || e.type === 'command_error');
    expect(failures, process.describe()).toEqual([]);
    if (!killed.has(process)) {
      expect(process.alive, `${process.role.name} still running`).toBe(false);
      expect(process.events.at(-1)?.type, process.describe()).toBe('stopped');
    }
  }
}
