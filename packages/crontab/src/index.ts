/**
 * @kairos/crontab: python-crontab's job in TypeScript. Read a crontab (a user's through the
 * `crontab` command, a file, a string, the system tables, or all of them), work with its lines
 * as objects, build and change jobs, validate them as Debian's cron does, and write them back
 * byte for byte where unchanged. Run times come from `CronTrigger.fromCrontab` of
 * @kairos/triggers and descriptions from cronstrue.
 */
export { CronTab, type CronTabOwner, type CronTabWriteOptions, type Matcher } from './crontab.js';
export { CronJob, type CronJobOptions } from './job.js';
export { CronComment, CronEnv, type CronLine } from './line.js';
export { FieldBuilder, type FieldValue } from './builder.js';
export { Schedule, SPECIALS } from './schedule.js';
export { CronTabs, isCronDName, readCronD, readSystemCrontab, type CronPaths } from './system.js';
export { crontabProgram, removeUserCrontab } from './user.js';
export { splitCommand, joinCommand, type CommandParts } from './command.js';
export { writeFileAtomic, type AtomicWriteOptions } from './write.js';
export { lookupUser, type UserAccount } from './passwd.js';
export type { DescribeOptions } from './describe.js';
export { describeSchedule } from './describe.js';
export { describeExpression } from './describe-expression.js';
export {
  CrontabCommandError,
  CrontabError,
  CrontabSyntaxError,
  CrontabValueError,
  formatProblem,
} from './errors.js';
export type {
  CronTabOptions,
  CronTabSource,
  CrontabProblem,
  FieldName,
  Special,
} from './interfaces.js';
