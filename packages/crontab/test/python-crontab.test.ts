/**
 * Next and previous run times against python-crontab 2.7 / croniter (Debian's python3-crontab
 * and python3-croniter, run with /usr/bin/python3), for a corpus of schedules in UTC. Both
 * follow cron's day-of-month OR day-of-week rule.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CronTab } from '../src/index.js';

const PYTHON = '/usr/bin/python3';
const SCHEDULES = [
  '* * * * *',
  '*/5 * * * *',
  '0 * * * *',
  '30 2 * * *',
  '0 9 * * 1-5',
  '*/15 9-17 * * mon-fri',
  '0 0 1 * *',
  '0 0 1,15 * 1',
  '0 12 13 * 5',
  '0 0 29 2 *',
  '59 23 31 12 *',
  '0 0 * * 0',
  '0 0 * * 7',
  '0 0 * jan,jul *',
  '5-10/2 3 * * *',
  '0 */6 * * *',
  '0 0 31 * *',
  '@daily',
  '@weekly',
  '@monthly',
  '@yearly',
  '@hourly',
];
const FROM = ['2024-01-01T00:00:00Z', '2024-02-28T23:59:30Z', '2024-12-31T12:34:56Z'];

const SCRIPT = `
import json, sys
from datetime import datetime, timezone
from crontab import CronTab
schedules, starts = json.loads(sys.argv[1])
out = {}
for schedule in schedules:
    job = CronTab(tab=schedule + ' true\\n')[0]
    for start in starts:
        when = datetime.fromisoformat(start.replace('Z', '+00:00'))
        found = []
        for way in ('get_next', 'get_prev'):
            try:
                run = getattr(job.schedule(date_from=when), way)(datetime)
                found.append(run.astimezone(timezone.utc).isoformat())
            except Exception:  # croniter gives up on far runs (Feb 29 four years back)
                found.append(None)
        out[schedule + '|' + start] = found
print(json.dumps(out))
`;

function pythonRuns(): Record<string, [string | null, string | null]> | null {
  if (!existsSync(PYTHON)) return null;
  const result = spawnSync(PYTHON, ['-c', SCRIPT, JSON.stringify([SCHEDULES, FROM])], {
    encoding: 'utf8',
  });
  if (result.status !== 0) return null;
  return JSON.parse(result.stdout) as Record<string, [string | null, string | null]>;
}

const expected = pythonRuns();

describe.skipIf(expected === null)('run times agree with python-crontab/croniter', () => {
  for (const schedule of SCHEDULES) {
    test(schedule, () => {
      const job = CronTab.parse(`${schedule} true\n`, { timezone: 'UTC' }).jobs[0];
      for (const from of FROM) {
        const [next, previous] = expected?.[`${schedule}|${from}`] ?? [null, null];
        const at = new Date(from);
        expect(next, `croniter found no next run after ${from}`).not.toBeNull();
        expect(job?.nextRun(at)?.toISOString(), `next after ${from}`).toBe(
          new Date(next ?? '').toISOString(),
        );
        // croniter gives up looking back for Feb 29; Kairos finds the last one.
        if (previous === null) {
          expect(schedule).toBe('0 0 29 2 *');
          const leapDay = at < new Date('2024-02-29T00:00:00Z') ? '2020' : '2024';
          expect(job?.previousRun(at)?.toISOString()).toBe(`${leapDay}-02-29T00:00:00.000Z`);
          continue;
        }
        expect(job?.previousRun(at)?.toISOString(), `previous before ${from}`).toBe(
          new Date(previous).toISOString(),
        );
      }
    });
  }
});

test.skipIf(expected !== null)(
  'skipped: /usr/bin/python3 with python3-crontab and python3-croniter is missing',
  () => {},
);
