/**
 * The module-level functions, `schedule`-style: each works on the default scheduler, `schedule`.
 */
import { afterEach, expect, test } from 'vitest';
import {
  cancelJob,
  clear,
  enter,
  every,
  getJobs,
  idleSeconds,
  nextRun,
  runAll,
  runPending,
  schedule,
  shutdown,
  start,
} from '../src/index.js';

afterEach(() => {
  clear();
  for (const call of schedule.queue) call.cancel();
});

test('every, getJobs, nextRun, idleSeconds, cancelJob and clear use the default scheduler', () => {
  const daily = every()
    .day.do(() => undefined)
    .tag('daily');
  const hourly = every().hour.do(() => undefined);
  expect(getJobs()).toEqual([daily, hourly]);
  expect(schedule.getJobs('daily')).toEqual([daily]);
  expect(nextRun()).toEqual(hourly.nextRun);
  expect(idleSeconds()).toBeGreaterThan(3590);
  cancelJob(hourly);
  expect(getJobs()).toEqual([daily]);
  clear('daily');
  expect(getJobs()).toEqual([]);
});

test('runAll, runPending and enter run on the default scheduler', async () => {
  const ran: string[] = [];
  every().day.do(() => void ran.push('job'));
  enter(0, 0, () => void ran.push('call'));
  await runPending();
  expect(ran).toEqual(['call']);
  await runAll();
  expect(ran).toEqual(['call', 'job']);
});

test('start and shutdown hand the default scheduler’s jobs to Kairos and back', async () => {
  every().day.do(() => undefined);
  await start();
  expect(schedule.running).toBe(true);
  expect(await schedule.kairos.getJobs()).toHaveLength(1);
  await shutdown();
  expect(schedule.running).toBe(false);
});
