/**
 * The `kairos` command line: commander wiring of every subcommand, with examples in `--help`,
 * and the one place that turns outcomes and errors into exit codes (see {@link EXIT}).
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { runCheck, type CheckOptions } from './commands/check.js';
import { importCrontab } from './commands/crontab-import.js';
import { runRun, type RunCommandOptions } from './commands/run.js';
import { PASSWORD_VARIABLE, runDashboard, type DashboardOptions } from './commands/dashboard.js';
import { runExplain } from './commands/explain.js';
import { changeJob, listJobs, runJobNow, showJob, type JobsOptions } from './commands/jobs.js';
import { runNext } from './commands/next.js';
import { listNodes, listRuns, type RunsOptions } from './commands/runs.js';
import { CommandFailedError, EXIT, UsageError } from './errors.js';
import { OVERLAP_POLICIES } from './job-config.js';
import { processIO, type CommandIO } from './io.js';
import { STORE_URL_FORMS } from './store-url.js';
import { countOption, fromOption, secondsOption, zoneOption } from './times.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const EXIT_CODES = `
Exit codes:
  0  done, no problem found
  1  problems found (check), a job failed (jobs run), a store or job could not be used
  2  usage error: unknown command or option, bad value, missing file
  141  the reader of the output went away (kairos next … | head -1)`;

/** Commander's error for a missing `--store`, naming the variable that gives it too. */
function withStoreHint(text: string): string {
  return text.replace(
    /^(error: required option '--store <url>' not specified)$/m,
    '$1: give --store URL, or set KAIROS_STORE',
  );
}

/** Builds the program; `done` receives each command's exit code. */
export function createProgram(io: CommandIO, done: (code: number) => void): Command {
  const program = new Command('kairos')
    .description(
      'Kairos from the command line: check schedules, show run times, steer stored jobs.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(withStoreHint(text)),
    })
    .showSuggestionAfterError()
    .addHelpText('after', EXIT_CODES);

  program
    .command('check')
    .description('validate crontab files and JSON job files without running anything')
    .argument('<file...>', 'crontab files, or JSON job files (.json)')
    .option('--strict', 'lines Debian\u2019s cron would refuse or read differently are errors')
    .option('--system', 'crontab files have a user field (/etc/crontab, /etc/cron.d format)')
    .option('--json', 'print {files, errors, warnings, findings} as JSON (for editors and CI)')
    .addHelpText(
      'after',
      `
Prints file:line:column: error|warning: message for each finding. A line that Kairos reads
but Debian's cron would not (a seconds field, L, #, ?, 5/10) is a "not portable" warning.
With --json, one object: the counts and each finding's file, line, column, severity, message.

Examples:
  $ kairos check crontab
  $ kairos check --strict deploy/crontab jobs.json
  $ kairos check --system /etc/crontab /etc/cron.d/*
${EXIT_CODES}`,
    )
    .action(async (files: string[], options: CheckOptions) => {
      done(await runCheck(files, options, io));
    });

  program
    .command('next')
    .description('the next run times of a crontab expression, or of each line or job of a file')
    .argument('<expr-or-file...>', 'a crontab expression (quote it) or a file')
    .option('-n, --count <n>', 'how many run times', '5')
    .option('--tz <zone>', 'IANA time zone (default: the host\u2019s; CRON_TZ lines win)')
    .option('--from <time>', 'count from this ISO 8601 time instead of now (wall time in --tz)')
    .option('--system', 'crontab files have a user field')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ kairos next "0 9 * * 1-5" --tz Europe/Paris
  $ kairos next "30 2 * * *" -n 3 --tz Europe/Berlin --from 2025-03-29
  $ kairos next crontab --json
${EXIT_CODES}`,
    )
    .action(
      async (
        words: string[],
        options: { count: string; tz?: string; from?: string; system?: boolean; json?: boolean },
      ) => {
        const zone = zoneOption(options.tz);
        done(
          await runNext(
            words,
            {
              count: countOption(options.count),
              zone,
              from: fromOption(options.from, zone, Date.now()),
              system: options.system ?? false,
              json: options.json ?? false,
            },
            io,
          ),
        );
      },
    );

  program
    .command('explain')
    .description('a crontab expression in English, whether it is portable, and its next runs')
    .argument('<expr...>', 'a crontab expression (quote it)')
    .option('-n, --count <n>', 'how many run times', '5')
    .option('--tz <zone>', 'IANA time zone of the run times (default: the host\u2019s)')
    .option('--from <time>', 'count from this ISO 8601 time instead of now')
    .option('--24h', 'write times as 14:00 rather than 02:00 PM')
    .addHelpText(
      'after',
      `
Examples:
  $ kairos explain "*/15 9-17 * * mon-fri"
  $ kairos explain "0 0 L * *" --tz UTC
${EXIT_CODES}`,
    )
    .action(
      (
        words: string[],
        options: { count: string; tz?: string; from?: string; '24h'?: boolean },
      ) => {
        const zone = zoneOption(options.tz);
        done(
          runExplain(
            words.join(' '),
            {
              count: countOption(options.count),
              zone,
              from: fromOption(options.from, zone, Date.now()),
              use24HourTimeFormat: options['24h'] ?? false,
            },
            io,
          ),
        );
      },
    );

  const jobs = program
    .command('jobs')
    .description('inspect and steer the jobs in a job store')
    .addHelpText(
      'after',
      `
Store URLs (--store, or the KAIROS_STORE environment variable):
  ${STORE_URL_FORMS.join('\n  ')}

Opening a store runs nothing: the scheduler behind the command starts paused, and only
"jobs run" runs a job, in this process, waiting for its outcome.

Examples:
  $ kairos jobs list --store sqlite:var/jobs.sqlite
  $ kairos jobs show nightly-report --store postgres://app@db/app --json
  $ kairos jobs pause nightly-report --store redis://127.0.0.1:6379/0?prefix=app:
  $ kairos jobs run nightly-report --store sqlite:var/jobs.sqlite
${EXIT_CODES}`,
    );
  const storeOption = (): Option =>
    new Option('--store <url>', 'the job store').env('KAIROS_STORE').makeOptionMandatory();

  jobs
    .command('list')
    .description('the jobs: id, name, trigger, next run (in the job\u2019s zone), state')
    .addOption(storeOption())
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ kairos jobs list --store sqlite:var/jobs.sqlite --json')
    .action(async (options: JobsOptions) => done(await listJobs(options, io)));
  jobs
    .command('show')
    .description('every field of one job')
    .argument('<id>', 'the job id')
    .addOption(storeOption())
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ kairos jobs show nightly-report --store sqlite:var/jobs.sqlite',
    )
    .action(async (id: string, options: JobsOptions) => done(await showJob(id, options, io)));
  for (const action of ['pause', 'resume', 'remove'] as const) {
    const what = {
      pause: 'pause a job: it keeps its place but has no next run time',
      resume: 'resume a paused job from its trigger\u2019s next time after now',
      remove: 'remove a job from the store',
    }[action];
    jobs
      .command(action)
      .description(what)
      .argument('<id>', 'the job id')
      .addOption(storeOption())
      .addHelpText(
        'after',
        `\nExample:\n  $ kairos jobs ${action} nightly-report --store sqlite:var/jobs.sqlite`,
      )
      .action(async (id: string, options: JobsOptions) =>
        done(await changeJob(action, id, options, io)),
      );
  }
  jobs
    .command('run')
    .description('run a job once now, in this process, and wait for its outcome')
    .argument('<id>', 'the job id')
    .addOption(storeOption())
    .addHelpText(
      'after',
      `
The task is resolved in this process: a module reference ('./tasks.js#build') from the
current folder; a task registered by name in an application can only be run by it.
The job's schedule is untouched. Exit code 1 when the job fails.

Example:
  $ kairos jobs run nightly-report --store sqlite:var/jobs.sqlite`,
    )
    .action(async (id: string, options: JobsOptions) => done(await runJobNow(id, options, io)));
  jobs
    .command('runs')
    .description('the run history: newest first, with outcome, attempt, scheduler and error')
    .addOption(storeOption())
    .option('--job <id>', 'only the runs of this job')
    .option(
      '--outcome <list>',
      'only these outcomes: executed, error, missed, skipped, timeout, cancelled, abandoned, running',
    )
    .option('--since <time>', 'only runs scheduled at or after this ISO 8601 time')
    .option('--until <time>', 'only runs scheduled at or before this ISO 8601 time')
    .option('--limit <n>', 'at most this many runs (1 to 1000)', '20')
    .option('--cursor <cursor>', 'the next page, as the previous page printed it')
    .option('--json', 'print JSON: {runs, nextCursor}')
    .addHelpText(
      'after',
      `
The store keeps each job's newest runs (the scheduler's history option; 100 a job for a week
by default). Runs in flight show as "running"; a run whose scheduler died as "abandoned".

Examples:
  $ kairos jobs runs --store sqlite:var/jobs.sqlite --job nightly-report
  $ kairos jobs runs --store postgres://app@db/app --outcome error,timeout,abandoned --json`,
    )
    .action(async (options: RunsOptions) => done(await listRuns(options, io)));
  jobs
    .command('nodes')
    .description('the schedulers sharing the store: id, host, pid, start, last heartbeat, alive')
    .addOption(storeOption())
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ kairos jobs nodes --store postgres://app@db/app')
    .action(async (options: JobsOptions) => done(await listNodes(options, io)));

  program
    .command('dashboard')
    .description('serve the web dashboard of a job store (jobs, runs, nodes, actions)')
    .addOption(storeOption())
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: any free port)', '7070')
    .option('--read-only', 'show everything, allow no action (run, pause, resume, remove)')
    .option('--show-args', 'show job arguments and run results (hidden by default)')
    .option('--user <name>', `require Basic auth: this user, the password in ${PASSWORD_VARIABLE}`)
    .option(
      '--allowed-host <name>',
      'a host name the dashboard is reached by, besides IP addresses and localhost (repeatable)',
      (name: string, names: string[]) => [...names, name],
      [] as string[],
    )
    .addHelpText(
      'after',
      `
Opening the store runs nothing: the scheduler behind the dashboard starts paused. "Run now"
runs the job in this process, as "kairos jobs run" does (a task registered by name in an
application can only be run by it). Live events show what this process does; the history
shows every scheduler's runs. Stops on SIGTERM or SIGINT.

Store URLs (--store, or the KAIROS_STORE environment variable):
  ${STORE_URL_FORMS.join('\n  ')}

Examples:
  $ kairos dashboard --store sqlite:var/jobs.sqlite
  $ kairos dashboard --store postgres://app@db/app --read-only --port 8080
  $ ${PASSWORD_VARIABLE}=s3cret kairos dashboard --store redis://127.0.0.1:6379/0 --host 0.0.0.0 --user ops --allowed-host jobs.example.com
${EXIT_CODES}`,
    )
    .action(async (options: DashboardOptions) => done(await runDashboard(options, io)));

  program
    .command('run')
    .description('the cron daemon: run the jobs of crontab files and JSON job files')
    .argument('<file...>', 'crontab files, or JSON job files (.json)')
    .option('--system', 'crontab files have a user field (/etc/crontab, /etc/cron.d format)')
    .option('--json', 'log one JSON object per line')
    .option(
      '--tz <zone>',
      'zone of schedules without CRON_TZ or a file timezone (default: the host\u2019s)',
    )
    .option(
      '--grace <duration>',
      'at SIGTERM/SIGINT, how long running commands get before they are killed',
      '10s',
    )
    .option(
      '--catch-up <duration>',
      'a run at most this late (daemon down or busy) still runs, once',
      '1m',
    )
    .addOption(
      new Option('--store <url>', 'keep the jobs and their next run times in a job store').env(
        'KAIROS_STORE',
      ),
    )
    .option('--metrics <host:port>', 'serve Prometheus /metrics and /healthz')
    .option('--no-watch', 'do not reload when a file changes (SIGHUP still reloads)')
    .addOption(
      new Option('--overlap <policy>', 'the overlap policy of lines and jobs that set none')
        .choices(OVERLAP_POLICIES)
        .default('forbid'),
    )
    .addHelpText(
      'after',
      `
Each line or job runs as a command in its own process group. Overlap policy (a job file's
"overlap", a KAIROS_OVERLAP=forbid|allow|replace|queue line above crontab lines, or --overlap
for the others):
  forbid   (default) a run due while the last still runs is skipped; one catch-up run follows
  allow    runs overlap
  replace  the running one is stopped (SIGTERM, then SIGKILL), the new one starts
  queue    every due run starts, one after another
@reboot lines run once per daemon start. SIGHUP or a file change reloads (runs in flight go
on); SIGTERM or SIGINT stops: no new runs, --grace for running commands, then they are killed.

Store URLs (--store, or the KAIROS_STORE environment variable):
  ${STORE_URL_FORMS.join('\n  ')}

Examples:
  $ kairos run /etc/crontab --system
  $ kairos run crontab jobs.json --json --grace 30s --metrics 0.0.0.0:9464
  $ kairos run crontab --store sqlite:/var/lib/kairos/jobs.sqlite --catch-up 6h
${EXIT_CODES}`,
    )
    .action(async (files: string[], options: RunCommandOptions) => {
      done(await runRun(files, options, io));
    });

  const crontab = program.command('crontab').description('crontab files and job stores');
  crontab
    .command('import')
    .description('store the lines of a crontab as command jobs in a job store')
    .argument('<file>', 'a crontab (or a JSON job file)')
    .addOption(
      new Option('--store <url>', 'the job store').env('KAIROS_STORE').makeOptionMandatory(),
    )
    .option('--replace', 'replace the jobs of an earlier import of this file')
    .option('--system', 'the crontab has a user field')
    .option('--tz <zone>', 'zone of schedules without CRON_TZ (default: the host\u2019s)')
    .option('--catch-up <duration>', 'the jobs\u2019 misfire grace time', '1m')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Job ids are those kairos run gives the same lines (file path + command), so a daemon later
run with --store on this store and file takes the jobs over. A scheduler that runs them must
be created with commands: true. @reboot lines are skipped.

Examples:
  $ kairos crontab import crontab --store sqlite:var/jobs.sqlite
  $ kairos crontab import crontab --store postgres://app@db/app --replace
${EXIT_CODES}`,
    )
    .action(
      async (
        file: string,
        options: {
          store: string;
          replace?: boolean;
          system?: boolean;
          tz?: string;
          catchUp: string;
          json?: boolean;
        },
      ) => {
        done(
          await importCrontab(
            file,
            {
              store: options.store,
              replace: options.replace ?? false,
              system: options.system ?? false,
              timezone: zoneOption(options.tz),
              catchUpSeconds: secondsOption(options.catchUp, '--catch-up', { zero: false }),
              json: options.json ?? false,
            },
            io,
          ),
        );
      },
    );

  return program;
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  let code: number = EXIT.ok;
  const program = createProgram(io, (result) => {
    code = result;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander has printed the message
    if (error instanceof UsageError) {
      io.err(`kairos: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof CommandFailedError) {
      io.err(`kairos: ${error.message}\n`);
      return EXIT.problems;
    }
    io.err(`kairos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.problems;
  }
}
