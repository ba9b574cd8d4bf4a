/**
 * `kairos dashboard --store URL`: the web dashboard (@kairos/dashboard) over a job store, served
 * on node:http until SIGTERM or SIGINT. The store is opened as every `jobs` command opens it —
 * behind a scheduler started paused — so the dashboard runs nothing by itself; **Run now** runs
 * the job in this process, as `kairos jobs run` does.
 */
import { redactUrl } from 'kairos';
import { EXIT, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { listenProblem } from '../listen-errors.js';
import { openStore } from './jobs.js';

/** The environment variable the Basic-auth password is read from (never a command-line flag). */
export const PASSWORD_VARIABLE = 'KAIROS_DASHBOARD_PASSWORD';

/** The options of `kairos dashboard` as commander gives them. */
export interface DashboardOptions {
  store: string;
  host: string;
  port: string;
  readOnly?: boolean;
  showArgs?: boolean;
  user?: string;
  allowedHost: string[];
}

/** Addresses only this machine reaches: listening there needs no password. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Runs `kairos dashboard` until SIGTERM or SIGINT; resolves to the exit code. */
export async function runDashboard(
  options: DashboardOptions,
  io: CommandIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const port = /^\d{1,5}$/.test(options.port) ? Number(options.port) : NaN;
  if (!(port <= 65_535))
    throw new UsageError(`--port '${options.port}' is not a port number from 0 to 65535`);
  const basicAuth = readBasicAuth(options.user, env);
  // Loaded here, not at the top: every other command (the `run` daemon above all) would carry
  // the web server and the page's code in its memory for nothing.
  const [{ createDashboard }, { serve }] = await Promise.all([
    import('@kairos/dashboard'),
    import('@kairos/http'),
  ]);
  const scheduler = await openStore(options.store, { commands: true });
  try {
    const dashboard = createDashboard({
      scheduler,
      readOnly: options.readOnly === true,
      showArgs: options.showArgs === true,
      allowedHosts: options.allowedHost,
      ...(basicAuth === undefined ? {} : { basicAuth }),
    });
    const server = await serve(dashboard, { host: options.host, port }).catch((error: unknown) => {
      const why = listenProblem(error, 'or --host 0.0.0.0 for every interface');
      if (why === null) throw error;
      throw new UsageError(`--host ${options.host} --port ${options.port}: ${why}`);
    });
    const url = server.url.endsWith('/') ? server.url : `${server.url}/`;
    const mode = options.readOnly === true ? ' (read-only)' : '';
    io.out(`Dashboard of ${redactUrl(options.store)} at ${url}${mode}\n`);
    if (!LOOPBACK.has(options.host) && basicAuth === undefined)
      io.err(
        `Warning: the dashboard listens on ${options.host} without a password; anyone who reaches it can run, pause and remove jobs. Add --user NAME with ${PASSWORD_VARIABLE}, or --read-only.\n`,
      );
    await stopSignal();
    await server.close();
    return EXIT.ok;
  } finally {
    await scheduler.shutdown();
  }
}

/** `--user` with the password from the environment, or none. */
function readBasicAuth(
  user: string | undefined,
  env: NodeJS.ProcessEnv,
): { username: string; password: string } | undefined {
  const password = env[PASSWORD_VARIABLE];
  if (user === undefined) {
    if (password !== undefined && password !== '')
      throw new UsageError(`${PASSWORD_VARIABLE} is set but --user is not: give both, or neither`);
    return undefined;
  }
  if (user === '' || user.includes(':'))
    throw new UsageError(`--user '${user}' is not a user name (not empty, no ':')`);
  if (password === undefined || password === '')
    throw new UsageError(
      `--user '${user}' needs a password in the ${PASSWORD_VARIABLE} environment variable`,
    );
  return { username: user, password };
}

/** Resolves at the first SIGTERM or SIGINT. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
