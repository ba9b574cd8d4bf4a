// The three libraries under comparison, behind one small interface so that the benchmark, the
// agreement check and the heap measurement treat them alike.
//
// Each library has:
//   chain(expr, zone, start) -> { next(): number | null, restart(): void }
//     successive fire times (epoch ms) strictly after `start`, each computed from the previous one
//     the way a scheduler would: Kairos `getNextFireTime(prev, prev)`, croner `nextRun(prev)`,
//     cron-parser `next()` on one parsed expression.
//   create(expr, zone) -> the library's long-lived object for an expression (what a scheduler keeps
//     per job), for the heap measurement.
import { CronTrigger } from '@kairos/triggers';
import { Cron } from 'croner';
import { CronExpressionParser } from 'cron-parser';

/** @type {Array<{ name: string, chain: Function, create: Function }>} */
export const LIBRARIES = [
  {
    name: 'Kairos',
    create: (expr, zone) => CronTrigger.fromCrontab(expr, zone),
    chain(expr, zone, start) {
      const trigger = CronTrigger.fromCrontab(expr, zone);
      // Kairos returns the first fire time at or after `now` (rounded up to the second); the others
      // return the first one strictly after their start, so Kairos starts 1 ms later.
      const first = new Date(start + 1);
      let previous = null;
      return {
        next() {
          previous = trigger.getNextFireTime(previous, previous ?? first);
          return previous === null ? null : previous.getTime();
        },
        restart() {
          previous = null;
        },
      };
    },
  },
  {
    name: 'croner',
    create: (expr, zone) => new Cron(expr, { timezone: zone, paused: true }),
    chain(expr, zone, start) {
      const job = new Cron(expr, { timezone: zone, paused: true });
      const first = new Date(start);
      let previous = first;
      return {
        next() {
          previous = job.nextRun(previous);
          return previous === null ? null : previous.getTime();
        },
        restart() {
          previous = first;
        },
      };
    },
  },
  {
    name: 'cron-parser',
    create: (expr, zone) =>
      CronExpressionParser.parse(expr, { currentDate: new Date(0), tz: zone }),
    chain(expr, zone, start) {
      const first = new Date(start);
      const expression = CronExpressionParser.parse(expr, { currentDate: first, tz: zone });
      return {
        next() {
          // next() returns a CronDate; it throws only past an end date or after its loop limit.
          return expression.next().getTime();
        },
        restart() {
          expression.reset(first);
        },
      };
    },
  },
];
