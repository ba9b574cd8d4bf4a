/**
 * The page provider @kairos/http serves the dashboard with: the built index.html (read once) with
 * the token and base inserted per response, and the files under dist/ui/assets/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PageProvider } from '@kairos/http';
import { readAsset } from './assets.js';
import { DashboardNotBuiltError } from './errors.js';
import { renderIndex } from './html.js';

/**
 * Where the build puts the page: the package's dist/ui/. Written from the package root so that it
 * resolves the same from dist/page.js (the published module) and src/page.ts (the tests).
 */
const BUILT_UI_DIR = fileURLToPath(new URL('../dist/ui/', import.meta.url));

/**
 * The dashboard's page as @kairos/http's `page` option, from `uiDir` (default: the page built
 * into this package); for `createApi({ scheduler, page: dashboardPage() })`, which is what
 * `createDashboard` does. The index.html is read once, here.
 *
 * @throws DashboardNotBuiltError when `uiDir` has no index.html
 */
export function dashboardPage(uiDir: string = BUILT_UI_DIR): PageProvider {
  const indexPath = join(uiDir, 'index.html');
  if (!existsSync(indexPath)) throw new DashboardNotBuiltError(indexPath);
  const template = readFileSync(indexPath, 'utf8');
  return {
    asset: (path) => readAsset(uiDir, path),
    html: (context) => renderIndex(template, context),
  };
}
