/**
 * Runs the ```js examples of docs/crontab.md and docs/coming-from-cron.md against the built package, with this package as the
 * working directory so that `import … from '@kairos/crontab'` resolves to its dist/ (see
 * `docExampleSuite` in @kairos/testkit). They run here because kairos does not depend on
 * @kairos/crontab.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docExampleSuite } from '@kairos/testkit';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

docExampleSuite({
  docsDir: join(packageDir, '..', '..', 'docs'),
  packageDir,
  pages: { 'crontab.md': '@kairos/crontab', 'coming-from-cron.md': '@kairos/crontab' },
  built: ['@kairos/crontab'],
});
