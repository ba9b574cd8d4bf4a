/**
 * Runs the ```js examples of docs/otel.md against the built packages, with this package as the
 * working directory so that `import … from '@kairos/otel'` resolves to its dist/ and the
 * OpenTelemetry SDK packages through its devDependencies (see `docExampleSuite` in
 * @kairos/testkit).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docExampleSuite } from '@kairos/testkit';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

docExampleSuite({
  docsDir: join(packageDir, '..', '..', 'docs'),
  packageDir,
  pages: { 'otel.md': '@kairos/otel' },
  built: ['@kairos/otel'],
});
