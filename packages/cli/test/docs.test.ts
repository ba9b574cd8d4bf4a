/**
 * Runs the `sh` examples of docs/cli.md: each `$ kairos …` line runs in bash, in
 * test/fixtures, with `kairos` on the PATH as the built bin, and what it prints (standard output,
 * then standard error) must be the lines shown under it. Registered in the docs map of
 * packages/kairos/test/docs.test.ts as tested here.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fixturesDir, packageDir } from './cli.js';

const page = join(packageDir, '..', '..', 'docs', 'cli.md');

interface Example {
  line: number;
  command: string;
  output: string;
}

/** The `$ kairos` commands of the page's ```sh blocks and the output shown under each. */
function examples(markdown: string): Example[] {
  const found: Example[] = [];
  let inSh = false;
  let current: Example | null = null;
  for (const [index, text] of markdown.split('\n').entries()) {
    if (!inSh) {
      inSh = /^```sh\s*$/.test(text);
      continue;
    }
    if (text.startsWith('```')) {
      inSh = false;
      current = null;
      continue;
    }
    if (text.startsWith('$ ')) {
      current = { line: index + 1, command: text.slice(2), output: '' };
      found.push(current);
    } else if (current !== null) {
      current.output += `${text}\n`;
    }
  }
  return found;
}

const binDir = mkdtempSync(join(tmpdir(), 'kairos-cli-docs-'));
const shim = join(binDir, 'kairos');
writeFileSync(
  shim,
  `#!/bin/sh\nexec "${process.execPath}" "${join(packageDir, 'dist', 'bin.js')}" "$@"\n`,
);
chmodSync(shim, 0o755);
afterAll(() => rmSync(binDir, { recursive: true, force: true }));

describe('examples in docs/cli.md', () => {
  const all = examples(readFileSync(page, 'utf8'));

  test('the page has runnable kairos examples', () => {
    expect(all.length).toBeGreaterThan(5);
    for (const example of all) expect(example.command).toMatch(/^kairos /);
  });

  for (const example of all) {
    test(`line ${example.line}: ${example.command}`, () => {
      const result = spawnSync('bash', ['-c', example.command], {
        cwd: fixturesDir,
        env: { ...process.env, PATH: `${binDir}:${process.env['PATH'] ?? ''}`, TZ: 'UTC' },
        encoding: 'utf8',
      });
      expect(result.stdout + result.stderr).toBe(example.output);
    });
  }
});
