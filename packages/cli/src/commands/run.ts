/**
 * `kairos run FILE…`: reads the options of the cron daemon and runs it (daemon/daemon.ts).
 */
import type { CommandIO } from '../io.js';
import { runDaemon } from '../daemon/daemon.js';
import { parseAddress } from '../daemon/metrics.js';
import { parseStoreUrl } from '../store-url.js';
import { secondsOption, zoneOption } from '../times.js';
import type { OverlapPolicy } from '../job-config.js';

/** The options of `kairos run` as commander gives them. */
export interface RunCommandOptions {
  system?: boolean;
  json?: boolean;
  tz?: string;
  grace: string;
  catchUp: string;
  store?: string;
  metrics?: string;
  watch: boolean;
  overlap: OverlapPolicy;
}

/** Runs `kairos run`; resolves to the exit code once the daemon has stopped. */
export async function runRun(
  files: readonly string[],
  options: RunCommandOptions,
  io: CommandIO,
): Promise<number> {
  if (options.store !== undefined) parseStoreUrl(options.store); // a bad URL is a usage error
  if (options.metrics !== undefined) parseAddress(options.metrics);
  return runDaemon(
    {
      files,
      system: options.system ?? false,
      json: options.json ?? false,
      timezone: zoneOption(options.tz),
      graceSeconds: secondsOption(options.grace, '--grace', { zero: true }),
      catchUpSeconds: secondsOption(options.catchUp, '--catch-up', { zero: false }),
      ...(options.store === undefined ? {} : { store: options.store }),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      watch: options.watch,
      overlap: options.overlap,
    },
    (line) => io.out(line),
  );
}
