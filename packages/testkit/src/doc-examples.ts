/**
 * The test of a documentation page's examples: every ```js block runs in its own Node process
 * (`node --input-type=module --eval <code>`) with a package directory as the working directory,
 * so that `import … from '<that package>'` resolves through the package's own `exports` map to
 * its dist/ (a package self-reference) and other imports through its dependencies. A block passes
 * when it exits with code 0: its `assert` lines state what the page promises. ```ts blocks are
 * illustrations and are not run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { TestkitUsageError } from './errors.js';

/** Options of {@link docExampleSuite}. */
export interface DocExampleSuiteOptions {
  /** The folder of the markdown pages. */
  docsDir: string;
  /** The package the examples run in (their working directory). */
  packageDir: string;
  /** Each page (a file name in `docsDir`) and the package its examples import. */
  pages: Record<string, string>;
  /**
   * Packages, by name as `packageDir` resolves them, whose dist/ must exist and be newer than
   * their src/; the packages they depend on with `workspace:` are checked too.
   */
  built: string[];
  /**
   * Longest a block may run, in ms. Default 25 000: the pages promise short examples (a fake
   * clock, no sleeping; worker-thread examples run real threads for a second or two).
   */
  blockTimeoutMs?: number;
}

/** One ```js block of a page. */
interface Example {
  /** Test name: the nearest heading above the block, numbered when a heading has several. */
  name: string;
  /** 1-based line of the opening fence in the markdown file. */
  line: number;
  code: string;
}

/**
 * Registers with vitest, for each page, a test that the page has examples importing its
 * package and a test per example that runs it; before them all, a check that the `built`
 * packages are built (the examples import dist/: a missing or stale build would test other code).
 */
export function docExampleSuite(options: DocExampleSuiteOptions): void {
  const { docsDir, packageDir, pages, built, blockTimeoutMs = 25_000 } = options;
  beforeAll(() => {
    const checked = new Set<string>();
    for (const name of built) checkBuilt(packageDir, name, checked);
  });

  for (const [page, packageName] of Object.entries(pages)) {
    const examples = extractExamples(readFileSync(join(docsDir, page), 'utf8'), page);

    describe(`examples in docs/${page}`, () => {
      test(`the page has runnable examples that import ${packageName}`, () => {
        expect(examples.length).toBeGreaterThan(0);
        for (const example of examples) expect(example.code).toContain(`from '${packageName}'`);
      });

      for (const example of examples) {
        test(example.name, { timeout: blockTimeoutMs + 5_000 }, () =>
          run(packageDir, page, example, blockTimeoutMs),
        );
      }
    });
  }
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
  if (fence !== null) throw new TestkitUsageError(`docs/${page}: a code fence is never closed`);
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

/**
 * Fails when a package's dist/ is missing or older than its src/, or when one of the packages
 * it depends on with `workspace:` is. `fromDir` is the package whose dependencies include it.
 */
function checkBuilt(fromDir: string, name: string, checked: Set<string>): void {
  const require = createRequire(join(fromDir, 'package.json'));
  const dir = dirname(require.resolve(`${name}/package.json`));
  if (checked.has(dir)) return;
  checked.add(dir);
  const entry = join(dir, 'dist', 'index.js');
  if (!existsSync(entry)) {
    throw new TestkitUsageError(
      `${name}: ${entry} is missing; run the build first (pnpm run build)`,
    );
  }
  const src = join(dir, 'src');
  if (existsSync(src) && newestMtime(src) > statSync(entry).mtimeMs) {
    throw new TestkitUsageError(
      `${name}: dist/ is older than src/; run the build first (pnpm run build)`,
    );
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const [dependency, version] of Object.entries(manifest.dependencies ?? {})) {
    if (version.startsWith('workspace:')) checkBuilt(dir, dependency, checked);
  }
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

function run(packageDir: string, page: string, example: Example, timeoutMs: number): void {
  const env = { ...process.env };
  // Keep loaders or flags of the test runner out of the example's process.
  delete env.NODE_OPTIONS;
  const result = spawnSync(process.execPath, ['--input-type=module', '--eval', example.code], {
    cwd: packageDir,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
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
