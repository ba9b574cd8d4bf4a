/**
 * Runs the built `kairos` executable (dist/bin.js) as a real process, as a user would, and
 * collects its exit code and output.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const fixturesDir = join(packageDir, 'test', 'fixtures');
const bin = join(packageDir, 'dist', 'bin.js');

/** What one run of the command did. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kairos …args` in `cwd` (default: the fixtures folder). */
export function kairos(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npx tsc -p tsconfig.build.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? fixturesDir,
      env: { ...process.env, TZ: 'UTC', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
