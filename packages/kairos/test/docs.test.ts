/**
 * Runs every ```js example of the documentation pages against the built packages. Each block
 * runs in its own Node process (`node --input-type=module -e <code>`) with this package as the
 * working directory, so that `import ... from 'kairos'` resolves through the package's own
 * `exports` map to dist/ (a package self-reference) and `'@kairos/triggers'` through its
 * dependencies. A block passes when it exits with code 0:
 * its `assert` lines state what the documentation promises. ```ts blocks are illustrations and
 * are not run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const docsDir = join(packageDir, '..', '..', 'docs');

/** Each page, and the package its examples import. */
const PAGES: Record<string, string> = {
  'getting-started.md': 'kairos',
  'scheduler.md': 'kairos',
  'configuration.md': 'kairos',
  'events.md': 'kairos',
  'coming-from-apscheduler.md': 'kairos',
  'stores.md': 'kairos',
  'executors.md': 'kairos',
  'triggers.md': '@kairos/triggers',
};

/**
 * Longest a block may run; the pages promise short examples (a fake clock, no sleeping; the
 * worker-thread examples of executors.md run real threads for a second or two).
 */
const BLOCK_TIMEOUT_MS = 25_000;

interface Example {
  /** Test name: the nearest heading above the block, numbered when a heading has several. */
  name: string;
  /** 1-based line of the opening fence in the markdown file. */
  line: number;
  code: string;
}

/** The ```js blocks of a markdown text, each with the heading it sits under. */
function extractExamples(markdown: string, page: string): Example[] {
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
  if (fence !== null) throw new Error(`docs/${page}: a code fence is never closed`);
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

/** Fails when a package's dist/ is missing or older than its src/. */
function checkBuilt(dir: string, name: string): void {
  const entry = join(dir, 'dist', 'index.js');
  if (!existsSync(entry)) {
    throw new Error(`${name}: ${entry} is missing; run the build first (pnpm run build)`);
  }
  const src = join(dir, 'src');
  if (existsSync(src) && newestMtime(src) > statSync(entry).mtimeMs) {
    throw new Error(`${name}: dist/ is older than src/; run the build first (pnpm run build)`);
  }
}

function run(page: string, example: Example): void {
  const env = { ...process.env };
  // Keep loaders or flags of the test runner out of the example's process.
  delete env.NODE_OPTIONS;
  const result = spawnSync(process.execPath, ['--input-type=module', '--eval', example.code], {
    cwd: packageDir,
    env,
    encoding: 'utf8',
    timeout: BLOCK_TIMEOUT_MS,
  });
  const report =
    `docs/${page}:${example.line} (${example.name}) exited with ` +
    `${result.status ?? result.signal ?? 'no status'}` +
    ` (line n of [eval1] below is line ${example.line}+n of the page)` +
    (result.error ? `\n${String(result.error)}` : '') +
    (result.stdout ? `\n--- stdout ---\n${result.stdout}` : '') +
    (result.stderr ? `\n--- stderr ---\n${result.stderr}` : '');
  expect(result.status, report).toBe(0);
}

beforeAll(() => {
  // The examples import the built packages: a missing or stale build would test other code.
  checkBuilt(packageDir, 'kairos');
  const require = createRequire(import.meta.url);
  checkBuilt(dirname(require.resolve('@kairos/core/package.json')), '@kairos/core');
  checkBuilt(dirname(require.resolve('@kairos/triggers/package.json')), '@kairos/triggers');
  checkBuilt(dirname(require.resolve('@kairos/store-sqlite/package.json')), '@kairos/store-sqlite');
  checkBuilt(
    dirname(require.resolve('@kairos/executor-worker/package.json')),
    '@kairos/executor-worker',
  );
});

test('every page of docs/ is covered', () => {
  const pages = readdirSync(docsDir).filter((name) => name.endsWith('.md') && name !== 'README.md');
  expect(pages.sort()).toEqual(Object.keys(PAGES).sort());
});

for (const [page, packageName] of Object.entries(PAGES)) {
  const examples = extractExamples(readFileSync(join(docsDir, page), 'utf8'), page);

  describe(`examples in docs/${page}`, () => {
    test(`the page has runnable examples that import ${packageName}`, () => {
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) expect(example.code).toContain(`from '${packageName}'`);
    });

    for (const example of examples) {
      test(example.name, { timeout: BLOCK_TIMEOUT_MS + 5_000 }, () => run(page, example));
    }
  });
}
