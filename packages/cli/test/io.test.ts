/**
 * The process's output streams: a reader that stops reading early (`kairos next … | head -1`)
 * ends the command quietly with status 141, as `ls` or `git` killed by SIGPIPE, not with a stack
 * trace; the daemon stops its commands first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixturesDir, packageDir } from './cli.js';

/** Runs `kairos …args`, closing its standard output after the first chunk read. */
function readFirstChunk(
  args: readonly string[],
): Promise<{ code: number | null; signal: string | null; first: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageDir, 'dist', 'bin.js'), ...args], {
      cwd: fixturesDir,
      env: { ...process.env, TZ: 'UTC' },
    });
    let first = '';
    let stderr = '';
    child.stdout.once('data', (chunk: Buffer) => {
      first = chunk.toString();
      child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, first, stderr }));
  });
}

describe('a reader that closes early', () => {
  test('kairos next … | head -1: exit 141, no stack trace', { timeout: 30_000 }, async () => {
    // 560 kB of run times in one write: more than the pipe and the first read take.
    const args = ['next', '* * * * *', '-n', '20000', '--tz', 'UTC', '--from', '2025-01-01T00:00Z'];
    const result = await readFirstChunk(args);
    expect(result.first).toMatch(/^Wed 2025-01-01 00:01:00 UTC\n/);
    expect(result).toMatchObject({ code: 141, signal: null, stderr: '' });
  });

  test('kairos check … | head -1: exit 141, not 0 (problems were found, and not all shown)', async () => {
    // One write per finding: the writes after the close fail.
    const files = Array.from({ length: 2000 }, () => 'mixed.crontab');
    const result = await readFirstChunk(['check', ...files]);
    expect(result.first).toContain('mixed.crontab:2:1: warning: not portable');
    expect(result).toMatchObject({ code: 141, signal: null, stderr: '' });
  });

  test(
    'kairos run | a reader that goes away: the daemon stops its commands, then exits 141',
    {
      timeout: 30_000,
    },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kairos-io-'));
      writeFileSync(
        join(dir, 'crontab'),
        '@reboot echo $$ > pid; echo started; sleep 1; echo more; sleep 30\n',
      );
      const child = spawn(
        process.execPath,
        [join(packageDir, 'dist', 'bin.js'), 'run', 'crontab', '--grace', '0.5'],
        { cwd: dir, env: { ...process.env, TZ: 'UTC' } },
      );
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      // The command runs: then the log's reader goes away (the daemon learns it at its next line,
      // the command's 'more').
      await new Promise<void>((resolve) => {
        let seen = '';
        child.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes('stdout: started')) resolve();
        });
      });
      child.stdout.destroy();
      expect(await exited).toBe(141);
      // The command was stopped (SIGTERM, then SIGKILL after its kill grace), not left behind.
      const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      expect(() => process.kill(pid, 0)).toThrow();
    },
  );
});
