/**
 * @kairos/triggers: APScheduler's triggers for TypeScript. Each trigger answers "given the
 * previous fire time and now, when next?", serialises to a plain spec, and follows the
 * wall-clock model across DST.
 */
export {
  CalendarIntervalTrigger,
  type CalendarIntervalTriggerFields,
} from './calendar-interval.js';
export { AndTrigger, OrTrigger, type CombiningTriggerFields } from './combining.js';
export { CronTrigger, type CronTriggerFields, type CrontabOptions } from './cron.js';
export { DateTrigger, type DateTriggerFields } from './date.js';
export { TriggerConfigError, TriggerIterationLimitError } from './errors.js';
export type {
  BoundedSpecFields,
  CalendarIntervalTriggerSpec,
  CombiningTriggerSpec,
  CronFieldValue,
  CronFields,
  CronTriggerSpec,
  CrontabTriggerSpec,
  DateInput,
  DateTriggerSpec,
  IntervalTriggerSpec,
  Trigger,
  TriggerOptions,
  TriggerSpec,
} from './interfaces.js';
export { IntervalTrigger, type IntervalTriggerFields } from './interval.js';
export { TRIGGER_TYPES, isTrigger, triggerFromSpec } from './spec.js';
