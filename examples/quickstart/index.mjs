// Kairos quickstart: build a few triggers and print their next fire times, in their own time zone.
// Run from the repository root: npx --yes pnpm@10.34.9 install && npx --yes pnpm@10.34.9 run quickstart
import {
  CalendarIntervalTrigger,
  CronTrigger,
  IntervalTrigger,
  triggerFromSpec,
} from '@kairos/triggers';

/** `2024-03-11 09:00:00 -04:00`: a fire time as the wall clock of `timezone` shows it. */
function wall(date, timezone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.replace('GMT', '');
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${offset}`;
}

/** Prints the first `count` fire times of `trigger` from `now`. */
function show(title, trigger, timezone, now = new Date(), count = 3) {
  console.log(`\n${title}\n  ${trigger}`);
  let previous = null;
  let current = now;
  for (let i = 0; i < count; i++) {
    const next = trigger.getNextFireTime(previous, current);
    if (next === null) {
      console.log('  (no more fire times)');
      return;
    }
    console.log(`  ${wall(next, timezone)}`);
    previous = current = next;
  }
}

console.log(`Kairos triggers — next fire times from now (${new Date().toISOString()})`);

show(
  'Weekdays at 09:00 in New York (crontab)',
  CronTrigger.fromCrontab('0 9 * * 1-5', 'America/New_York'),
  'America/New_York',
);
show(
  'The same crontab in Tokyo',
  CronTrigger.fromCrontab('0 9 * * 1-5', 'Asia/Tokyo'),
  'Asia/Tokyo',
);
show(
  'Last Friday of the month at 17:30 in Paris (APScheduler keyword fields)',
  new CronTrigger({ day: 'last fri', hour: 17, minute: 30, timezone: 'Europe/Paris' }),
  'Europe/Paris',
);
show(
  'Every 90 minutes from a fixed start (elapsed time)',
  new IntervalTrigger({ minutes: 90, startDate: '2024-01-01T00:00:00Z', timezone: 'UTC' }),
  'UTC',
);
show(
  'Monthly on the 31st at 08:00 in Sydney: short months are skipped',
  new CalendarIntervalTrigger({
    months: 1,
    hour: 8,
    startDate: '2025-01-31',
    timezone: 'Australia/Sydney',
  }),
  'Australia/Sydney',
  new Date('2025-01-01T00:00:00Z'),
);
show(
  'From a plain spec: weekdays 09:00 OR Saturdays 10:00 in London',
  triggerFromSpec({
    type: 'or',
    triggers: [
      { type: 'cron', day_of_week: 'mon-fri', hour: 9, timezone: 'Europe/London' },
      { type: 'cron', day_of_week: 'sat', hour: 10, timezone: 'Europe/London' },
    ],
  }),
  'Europe/London',
  undefined,
  6,
);

console.log('\nAcross daylight-saving changes in New York (the wall-clock model):');
show(
  'Daily at 02:30 — on 2024-03-10 02:30 does not exist and fires at 03:30 EDT',
  new CronTrigger({ hour: 2, minute: 30, timezone: 'America/New_York' }),
  'America/New_York',
  new Date('2024-03-09T12:00:00Z'),
);
show(
  'Daily at 01:30 — on 2024-11-03 01:30 happens twice and fires twice',
  new CronTrigger({ hour: 1, minute: 30, timezone: 'America/New_York' }),
  'America/New_York',
  new Date('2024-11-02T12:00:00Z'),
  4,
);
