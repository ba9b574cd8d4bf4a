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

/** Addresses only this machine reaches (all of 127.0.0.0/8): listening there needs no password. */
function isLoopback(host: string): boolean {
  return ['localhost', '::1', '[::1]'].includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

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
  const [{ createDashboard }, { serve, HttpOptionError }] = await Promise.all([
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
      // A --host that is no host name or address: the message says so, naming the value.
      if (error instanceof HttpOptionError)
        throw new UsageError(`--host '${options.host}': ${error.message}`);
      const why = listenProblem(error, 'or --host 0.0.0.0 for every interface');
      if (why === null) throw error;
      throw new UsageError(`--host ${options.host} --port ${options.port}: ${why}`);
    });
    const url = server.url.endsWith('/') ? server.url : `${server.url}/`;
    const mode = options.readOnly === true ? ' (read-only)' : '';
    io.out(`Dashboard of ${redactUrl(options.store)} at ${url}${mode}\n`);
    const warning =
      basicAuth === undefined ? openAccessWarning(options.host, options.readOnly) : null;
    if (warning !== null) io.err(`${warning}\n`);
    await stopSignal();
    await server.close();
    return EXIT.ok;
  } finally {
    await scheduler.shutdown();
  }
}

/**
 * The warning for a dashboard without a password on `host`: null on a loopback address, which
 * only this machine reaches.
 */
export function openAccessWarning(host: string, readOnly = false): string | null {
  if (isLoopback(host)) return null;
  const start = `Warning: the dashboard listens on ${host} without a password; anyone who reaches it`;
  return readOnly
    ? `${start} can see every job and its runs. Add --user NAME with ${PASSWORD_VARIABLE}.`
    : `${start} can run, pause and remove jobs. Add --user NAME with ${PASSWORD_VARIABLE}, or --read-only.`;
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
