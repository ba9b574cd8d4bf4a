/**
 * Runs every ```js example of the documentation pages that import this package or
 * `@kairos/triggers`, against the built packages, with this package as the working directory
 * (see `docExampleSuite` in @kairos/testkit). Pages whose examples import a package that depends
 * on this one run in that package's own docs test.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docExampleSuite } from '@kairos/testkit';
import { expect, test } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(packageDir, '..', '..');
const docsDir = join(repoDir, 'docs');

/** Each page this test runs, and the package its examples import. */
const PAGES: Record<string, string> = {
  'getting-started.md': 'kairos',
  'scheduler.md': 'kairos',
  'configuration.md': 'kairos',
  'events.md': 'kairos',
  'coming-from-apscheduler.md': 'kairos',
  'stores.md': 'kairos',
  'executors.md': 'kairos',
  'runs.md': 'kairos',
  'commands.md': 'kairos',
  'triggers.md': '@kairos/triggers',
};

/**
 * Pages whose examples import a package that depends on kairos (so it cannot be imported
 * from here), and the test that runs them.
 */
const TESTED_ELSEWHERE: Record<string, string> = {
  'fluent.md': 'packages/fluent/test/docs.test.ts',
  'crontab.md': 'packages/crontab/test/docs.test.ts',
  'coming-from-cron.md': 'packages/crontab/test/docs.test.ts',
  'cli.md': 'packages/cli/test/docs.test.ts',
};

docExampleSuite({
  docsDir,
  packageDir,
  pages: PAGES,
  built: ['kairos', '@kairos/store-sqlite', '@kairos/executor-worker'],
});

test('every page of docs/ is covered', () => {
  const pages = readdirSync(docsDir).filter((name) => name.endsWith('.md') && name !== 'README.md');
  expect(pages.sort()).toEqual([...Object.keys(PAGES), ...Object.keys(TESTED_ELSEWHERE)].sort());
  for (const testFile of Object.values(TESTED_ELSEWHERE)) {
    expect(existsSync(join(repoDir, testFile)), `${testFile} is missing`).toBe(true);
  }
});
