/**
 * addJob as a newcomer calls it: APScheduler's call shape, snake_case and string options, and
 * the warning a persistent store without taskModules gives once at start.
 */
import { describe, expect, it } from 'vitest';
// FlakyJobStore wraps the memory store without being one: the scheduler takes it for persistent.
import { FlakyJobStore, at, makeScheduler } from './helpers.js';

const noop = (): undefined => undefined;

describe("APScheduler's call shape", () => {
  it('takes a trigger alias, its fields and the options, splitting job options out of the fields', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    const a = await scheduler.addJob(noop, 'interval', { seconds: 5 }, {
      id: 'a',
      max_instances: '2',
    } as never);
    const b = await scheduler.addJob(noop, 'cron', {
      second: 30,
      id: 'b',
      misfire_grace_time: '7',
    });
    expect([a.id, a.maxInstances, a.nextRunTimeMs]).toEqual(['a', 2, at(5)]);
    expect([b.id, b.misfireGraceTime, b.nextRunTimeMs]).toEqual(['b', 7, at(30)]);
    await scheduler.shutdown();
  });

  it('honours replace_existing spelled the snake_case way', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'x' });
    await scheduler.addJob(noop, { type: 'interval', seconds: 9 }, {
      id: 'x',
      replace_existing: 'true',
    } as never);
    expect((await scheduler.getJob('x'))?.nextRunTimeMs).toBe(at(9));
    await scheduler.shutdown();
  });

  it('says which keys are trigger fields and which are job options when a spec mixes them', async () => {
    const { scheduler } = makeScheduler();
    await expect(
      scheduler.addJob(noop, { type: 'interval', seconds: 5, id: 'x' } as never),
    ).rejects.toThrow(/id/);
  });
});

describe('the task-loading warning at start', () => {
  const warned = (messages: string[]): string[] =>
    messages.filter((message) => message.startsWith('taskModules is not set'));

  it('is given once by a scheduler with a persistent store and no taskModules', async () => {
    const { scheduler, logger } = makeScheduler({ jobstores: { default: new FlakyJobStore() } });
    await scheduler.start();
    await scheduler.shutdown();
    await scheduler.start();
    await scheduler.shutdown();
    expect(warned(logger.messages('warn'))).toHaveLength(1);
  });

  it('is not given with taskModules set, nor with only the memory store', async () => {
    const listed = makeScheduler({
      jobstores: { default: new FlakyJobStore() },
      taskModules: ['./tasks/'],
    });
    const memory = makeScheduler();
    for (const { scheduler } of [listed, memory]) {
      await scheduler.start();
      await scheduler.shutdown();
    }
    expect(warned(listed.logger.messages('warn'))).toEqual([]);
    expect(warned(memory.logger.messages('warn'))).toEqual([]);
  });
});
