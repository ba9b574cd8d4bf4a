/** `createDashboard`: @kairos/http's API with the dashboard's page built in. */
import { createApi, type Api, type ApiOptions } from '@kairos/http';
import { dashboardPage } from './page.js';

/** Options of {@link createDashboard}: those of @kairos/http's `createApi`, without `page`. */
export type DashboardOptions = Omit<ApiOptions, 'page'>;

let builtPage: ReturnType<typeof dashboardPage> | undefined;

/**
 * The HTTP API of a scheduler with the dashboard's page: the page at the mount path, its files
 * under `assets/`, the JSON API under `api/`. Mount it as any api of @kairos/http (`serve`,
 * `toNodeListener` for node:http and Express, `koaMiddleware`, `fastifyPlugin`, `api.fetch`
 * for Hono). Safe by default: see docs/dashboard.md.
 *
 * @example
 * const dashboard = createDashboard({ scheduler, basicAuth: { username: 'ops', password } });
 * const server = await serve(dashboard, { port: 8080 }); // http://127.0.0.1:8080/
 * @throws HttpOptionError (from @kairos/http) naming a bad option and its value
 * @throws DashboardNotBuiltError when the package's page was not built
 */
export function createDashboard(options: DashboardOptions): Api {
  if (typeof options !== 'object' || options === null) return createApi(options);
  // The built page does not change while the process runs: read it once.
  builtPage ??= dashboardPage();
  return createApi({ ...options, page: builtPage });
}
