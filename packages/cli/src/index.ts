/**
 * @kairos/cli: the `kairos` command. The executable is `kairos` (dist/bin.js); this entry point
 * exposes the same commands to programs and tests: {@link main} runs a command line, and the
 * readers behind `check` and `next` are here for tools that want their findings.
 */
export { main, createProgram } from './program.js';
export { EXIT, UsageError, CommandFailedError } from './errors.js';
export type { CommandIO } from './io.js';
export { checkText, formatFinding, type CheckOptions, type Finding } from './commands/check.js';
export { explainExpression, type Explanation } from './commands/explain.js';
export { readCrontab, type CrontabEntry, type CrontabReading } from './crontab-lines.js';
export {
  OVERLAP_POLICIES,
  jobConfigSchema,
  jobFileSchema,
  readJobFile,
  type JobConfig,
  type JobFile,
  type JobFileProblem,
  type OverlapPolicy,
} from './job-config.js';
export { parseStoreUrl, type StoreSpec } from './store-url.js';
