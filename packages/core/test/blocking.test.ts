/**
 * BlockingScheduler in a real process: SIGTERM while a job runs shuts the scheduler down after
 * the job finishes, `start()` resolves, and the process exits with code 0. The script imports
 * the built package (`dist/`), which the build step produces before tests run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/blocking-job.js', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
  stderr: string;
}

/** Runs the script, sends SIGTERM once it prints `job started`, and waits for it to exit. */
function runAndTerminate(): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!signalled && stdout.includes('job started\n')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      resolve({ code, signal, lines: stdout.split('\n').filter((line) => line !== ''), stderr });
    });
  });
}

describe('BlockingScheduler in a real process', () => {
  it('finishes the running job after SIGTERM, then start() resolves and the process exits 0', async () => {
    expect(existsSync(built), `${built} is missing: build @kairos/core first`).toBe(true);
    const outcome = await runAndTerminate();
    expect(outcome.stderr).toBe('');
    expect(outcome.lines).toEqual(['job started', 'job done', 'scheduler stopped']);
    expect(outcome.signal).toBeNull();
    expect(outcome.code).toBe(0);
  }, 30_000);
});
