/**
 * Runs the ```js examples of docs/dashboard.md against the built packages, with this package as
 * the working directory so that `import … from '@kairos/dashboard'` resolves to its dist/ (see
 * `docExampleSuite` in @kairos/testkit). They run here rather than with the other pages in
 * packages/kairos because @kairos/dashboard depends on kairos and @kairos/http.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docExampleSuite } from '@kairos/testkit';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

docExampleSuite({
  docsDir: join(packageDir, '..', '..', 'docs'),
  packageDir,
  pages: { 'dashboard.md': '@kairos/dashboard' },
  built: ['@kairos/dashboard'],
});
