/**
 * @kairos/triggers: APScheduler's triggers for TypeScript. Each trigger answers "given the
 * previous fire time and now, when next?", serialises to a plain spec, and follows the
 * wall-clock model across DST.
 */
export { CalendarIntervalTrigger } from './calendar-interval.js';
export { AndTrigger, OrTrigger } from './combining.js';
export { CronTrigger } from './cron.js';
export { CRONTAB_MACROS } from './crontab.js';
export { DateTrigger } from './date.js';
export {
  TriggerConfigError,
  TriggerInternalError,
  TriggerIterationLimitError,
  show,
} from './errors.js';
export type {
  BoundedSpecFields,
  CalendarIntervalTriggerFields,
  CalendarIntervalTriggerSpec,
  CombiningTriggerFields,
  CombiningTriggerSpec,
  CronFieldValue,
  CronFields,
  CronTriggerFields,
  CronTriggerSpec,
  CrontabOptions,
  CrontabTriggerSpec,
  DateInput,
  DateTriggerFields,
  DateTriggerSpec,
  IntervalTriggerFields,
  IntervalTriggerSpec,
  PluginTriggerSpec,
  Trigger,
  TriggerOptions,
  TriggerSpec,
} from './interfaces.js';
export { IntervalTrigger } from './interval.js';
export { isTrigger } from './base.js';
export { TRIGGER_TYPES, triggerFromSpec, triggerKeys, triggerTakes } from './spec.js';
export { canonicalTimeZone, hostTimezone, isTimeZone } from './zone.js';
export { formatDuration } from './duration.js';
export { formatWallTime } from './wall-time.js';
export { didYouMean, nearestName } from './edit-distance.js';
export { camelCase, snakeCase } from './keys.js';
