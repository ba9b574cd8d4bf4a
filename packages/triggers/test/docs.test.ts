/**
 * Runs every ```js example of docs/triggers.md against the built package. Each block runs in its
 * own Node process (`node --input-type=module -e <code>`) with this package as the working
 * directory, so that `import ... from '@kairos/triggers'` resolves through the package's own
 * `exports` map to dist/ (a package self-reference). A block passes when it exits with code 0:
 * its `assert` lines state the output the documentation promises.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const docPath = join(packageDir, '..', '..', 'docs', 'triggers.md');
const distEntry = join(packageDir, 'dist', 'index.js');

interface Example {
  /** Test name: the nearest heading above the block, numbered when a heading has several. */
  name: string;
  /** 1-based line of the opening fence in the markdown file. */
  line: number;
  code: string;
}

/** The ```js blocks of a markdown text, each with the heading it sits under. */
function extractExamples(markdown: string): Example[] {
  const blocks: { heading: string; line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  let heading = '(top of the page)';
  let fence: string | null = null;
  let collecting: { line: number; body: string[] } | null = null;
  lines.forEach((text, index) => {
    if (fence === null) {
      const open = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
      if (open?.[1] !== undefined) {
        fence = open[1];
        if (open[2] === 'js') collecting = { line: index + 1, body: [] };
        return;
      }
      const title = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
      if (title?.[1] !== undefined) heading = title[1].replace(/`/g, '');
      return;
    }
    if (text.trimEnd() === fence) {
      if (collecting !== null)
        blocks.push({ heading, line: collecting.line, code: collecting.body.join('\n') });
      fence = null;
      collecting = null;
      return;
    }
    collecting?.body.push(text);
  });
  if (fence !== null) throw new Error(`${docPath}: a code fence is never closed`);
  const perHeading = new Map<string, number>();
  for (const block of blocks)
    perHeading.set(block.heading, (perHeading.get(block.heading) ?? 0) + 1);
  const seen = new Map<string, number>();
  return blocks.map((block) => {
    const count = seen.get(block.heading) ?? 0;
    seen.set(block.heading, count + 1);
    const several = (perHeading.get(block.heading) ?? 0) > 1;
    return {
      name: several ? `${block.heading} (example ${count + 1})` : block.heading,
      line: block.line,
      code: block.code,
    };
  });
}

/** The newest modification time of the files under a directory, in ms. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

const examples = extractExamples(readFileSync(docPath, 'utf8'));

describe(`examples in ${relative(join(packageDir, '..', '..'), docPath)}`, () => {
  beforeAll(() => {
    // The examples import the built package: a missing or stale build would test other code.
    if (!existsSync(distEntry)) {
      throw new Error(`${distEntry} is missing; run the build first (pnpm run build)`);
    }
    if (newestMtime(join(packageDir, 'src')) > statSync(distEntry).mtimeMs) {
      throw new Error(`dist/ is older than src/; run the build first (pnpm run build)`);
    }
  });

  test('the page has runnable examples', () => {
    expect(examples.length).toBeGreaterThan(10);
    for (const example of examples) expect(example.code).toContain("from '@kairos/triggers'");
  });

  for (const example of examples) {
    test(example.name, { timeout: 30_000 }, () => {
      const env = { ...process.env };
      // Keep loaders or flags of the test runner out of the example's process.
      delete env.NODE_OPTIONS;
      const result = spawnSync(process.execPath, ['--input-type=module', '--eval', example.code], {
        cwd: packageDir,
        env,
        encoding: 'utf8',
        timeout: 25_000,
      });
      const report =
        `docs/triggers.md:${example.line} (${example.name}) exited with ` +
        `${result.status ?? result.signal ?? 'no status'}` +
        ` (line n of [eval1] below is line ${example.line}+n of the page)` +
        (result.error ? `\n${String(result.error)}` : '') +
        (result.stdout ? `\n--- stdout ---\n${result.stdout}` : '') +
        (result.stderr ? `\n--- stderr ---\n${result.stderr}` : '');
      expect(result.status, report).toBe(0);
    });
  }
});
