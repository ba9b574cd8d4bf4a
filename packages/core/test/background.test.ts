/**
 * BackgroundScheduler's `daemon` option in a real process: by default its timers leave the
 * process free to exit; with `daemon: false` they keep it running. The script imports the built
 * package (`dist/`), which the build step produces before tests run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/background-daemon.js', import.meta.url));

/** Runs the script; a process still alive after `limitMs` is killed with SIGTERM. */
function run(args: string[], limitMs: number): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    timeout: limitMs,
    killSignal: 'SIGTERM',
  });
}

describe('BackgroundScheduler daemon', () => {
  it('lets the process exit when nothing else holds it (daemon: true, the default)', () => {
    // The job is ten minutes ahead: exiting at all means the timer did not hold the process.
    const result = run([], 30_000);
    expect(result.stdout).toBe('started, daemon true\n');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
  });

  it('keeps the process alive with daemon: false', () => {
    const result = run(['--no-daemon'], 3_000);
    expect(result.stdout).toBe('started, daemon false\n');
    expect(result.signal).toBe('SIGTERM');
  });
});
