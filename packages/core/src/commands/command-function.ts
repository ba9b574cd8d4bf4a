/**
 * The function a command task runs as: it starts the command with the run's abort signal (so
 * the job's `timeout` and a shutdown stop it) and logs its output line by line with the job's
 * name (and, for structured loggers, the fields `jobId`, `runId`, `stream` and `line`).
 */
import { currentJob } from '../job-context.js';
import type { TaskFunction } from '../job-data.js';
import type { Log } from '../logger.js';
import { runCommand } from './run-command.js';
import type { CommandTask } from './command-task.js';

/**
 * A task function that runs `task` and resolves to its {@link CommandResult}.
 * @param log the scheduler's log, read at each run (its output lines are logged at info level)
 */
export function commandFunction(task: CommandTask, log: () => Log): TaskFunction {
  return () => {
    const job = currentJob();
    const current = log();
    const prefix = job === undefined ? 'Command' : `Job "${job.jobName}" (id ${job.jobId})`;
    return runCommand(task, {
      signal: job?.signal,
      onLine: current.infoOn
        ? (stream, line) =>
            current.info(`${prefix} ${stream}: ${line}`, {
              jobId: job?.jobId,
              runId: job?.runId,
              stream,
              line,
            })
        : undefined,
    });
  };
}
