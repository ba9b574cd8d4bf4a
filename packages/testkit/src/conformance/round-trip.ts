/** Every trigger type and every argument type comes back from the store as it went in. */
import { SerializationError } from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { expectSameJob } from './expect-job.js';
import type { Harness } from './index.js';

/** One spec of each trigger type, with the options that are easiest to lose. */
const TRIGGERS: Record<string, Record<string, unknown>> = {
  date: { type: 'date', runDate: '2030-06-01T09:30:00.250Z', timezone: 'Europe/Paris' },
  interval: {
    type: 'interval',
    hours: 1,
    minutes: 30,
    seconds: 0.5,
    startDate: '2030-01-01T00:00:00Z',
    endDate: '2031-01-01T00:00:00Z',
    timezone: 'America/New_York',
    jitter: 5,
  },
  cron: { type: 'cron', day: 'last fri', hour: '9-17/2', minute: 15, timezone: 'Asia/Kolkata' },
  crontab: { type: 'crontab', expr: '0 9 * * 1-5', timezone: 'Europe/London' },
  calendarinterval: {
    type: 'calendarinterval',
    months: 1,
    hour: 8,
    minute: 0,
    timezone: 'Australia/Lord_Howe',
  },
  and: {
    type: 'and',
    triggers: [
      { type: 'cron', hour: 12, timezone: 'UTC' },
      { type: 'cron', day_of_week: 'mon', hour: 12, timezone: 'UTC' },
    ],
  },
  or: {
    type: 'or',
    triggers: [
      { type: 'interval', days: 1, timezone: 'UTC' },
      { type: 'date', runDate: '2030-03-01T00:00:00Z', timezone: 'UTC' },
    ],
    jitter: 2,
  },
};

/** Arguments of every kind a stored job can hold. */
const ARGS: unknown[] = [
  'text with "quotes", \\backslashes\\ and ünïcødé 🎉',
  '',
  0,
  -1.5,
  Number.MAX_SAFE_INTEGER,
  true,
  false,
  null,
  [1, [2, [3]]],
  { nested: { list: [1, 'two', null], empty: {} } },
  new Date('2030-01-02T03:04:05.678Z'),
  123456789012345678901234567890n,
  { at: new Date(0), big: -5n, $date: 'a key that looks like a tag' },
];

export function defineRoundTripTests(h: Harness): void {
  describe('round trips', () => {
    for (const [type, trigger] of Object.entries(TRIGGERS)) {
      it(`keeps a ${type} trigger`, async () => {
        const job = h.context.job({ id: type, trigger: trigger as never });
        await h.store.addJob(job);
        const [listed] = await h.store.getAllJobs();
        expectSameJob(h.context, listed ?? null, job);
        if ('jitter' in trigger) return; // its fire times are random
        const now = h.context.clock.now();
        expect(listed?.trigger.getNextFireTime(null, new Date(now))).toEqual(
          job.trigger.getNextFireTime(null, new Date(now)),
        );
      });
    }

    it('keeps arguments of every JSON type, Dates and BigInts', async () => {
      await h.store.addJob(h.context.withFields(h.context.job({ id: 'args' }), { args: ARGS }));
      const stored = await h.store.lookupJob('args');
      expect(stored?.args).toEqual(ARGS);
    });

    it('keeps module references and task names as given', async () => {
      await h.store.addJob(h.context.job({ id: 'module', task: './tasks/report.js#build' }));
      await h.store.addJob(h.context.job({ id: 'package', task: 'some-package/tasks#cleanup' }));
      expect((await h.store.lookupJob('module'))?.task).toBe('./tasks/report.js#build');
      expect((await h.store.lookupJob('package'))?.task).toBe('some-package/tasks#cleanup');
    });

    if (h.options.persistent) {
      it('refuses a function task with no registered name at addJob, storing nothing', async () => {
        const job = h.context.job({ id: 'fn' });
        const added = h.store.addJob(h.context.withFields(job, { task: function cleanUp() {} }));
        await expect(added).rejects.toThrow(SerializationError);
        await expect(added).rejects.toThrow(/registerTask/);
        expect(await h.store.lookupJob('fn')).toBeNull();
      });

      it('refuses arguments JSON cannot hold at addJob and updateJob, keeping the stored job', async () => {
        const job = h.context.job({ id: 'bad-args' });
        const withArgs = (args: unknown[]) => h.context.withFields(job, { args });
        await expect(h.store.addJob(withArgs([() => 1]))).rejects.toThrow(SerializationError);
        await expect(h.store.addJob(withArgs([new Map([[1, 2]])]))).rejects.toThrow(
          SerializationError,
        );
        expect(await h.store.lookupJob('bad-args')).toBeNull();
        await h.store.addJob(job);
        await expect(h.store.updateJob(withArgs([Symbol('s')]))).rejects.toThrow(
          SerializationError,
        );
        expectSameJob(h.context, await h.store.lookupJob('bad-args'), job);
      });
    }
  });
}
