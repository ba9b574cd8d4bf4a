// The part of a scheduler a job store talks to, for driving stores directly (store-level
// measurements): the system clock, no logging, the task `tick` registered, triggers rebuilt from
// their specs in UTC. Scheduler-level measurements use a real BackgroundScheduler instead.
import {
  isModuleReference,
  Job,
  restoreJobFields,
  serializeJob,
  silentLogger,
  systemClock,
} from '@kairos/core';
import { triggerFromSpec } from '@kairos/triggers';

/** The task name every benchmark job runs; schedulers register it as a no-op. */
export const TASK = 'tick';

/** What a job built here calls when its handle methods are used: nothing is there. */
const detached = new Proxy(
  {},
  {
    get() {
      return () => {
        throw new Error('this job was built by the store benchmark and belongs to no scheduler');
      };
    },
  },
);

/** A JobStoreContext on the system clock that counts what the store reports back. */
export class BenchStoreContext {
  clock = systemClock;
  logger = silentLogger;
  /** How many stored jobs the store reported as unrestorable (should stay 0). */
  unrestorable = 0;
  /** How many wake-ups the store delivered. */
  wakeups = 0;

  serializeJob(job) {
    return serializeJob(job, (task) => (typeof task === 'string' ? task : undefined));
  }

  restoreJob(state, alias) {
    const fields = restoreJobFields(state, alias, (spec) =>
      triggerFromSpec(spec, { timezone: 'UTC' }),
    );
    if (fields.task !== TASK && !isModuleReference(fields.task)) {
      throw new Error(`task ${JSON.stringify(fields.task)} is not registered`);
    }
    return new Job(fields, detached);
  }

  reportUnrestorable() {
    this.unrestorable++;
  }

  wakeup() {
    this.wakeups++;
  }
}

/** The trigger of every benchmark job: every hour, from a fixed start. */
export const TRIGGER = {
  type: 'interval',
  hours: 1,
  startDate: '2026-01-01T00:00:00.000Z',
  timezone: 'UTC',
};

/**
 * The stored form of a benchmark job: task `tick` every hour, no misfire grace limit (so that no
 * run of a large due batch is dropped as missed).
 */
export function jobState(id, nextRunTime) {
  return {
    version: 1,
    id,
    name: id,
    task: TASK,
    args: [],
    trigger: TRIGGER,
    executor: 'default',
    misfireGraceTime: null,
    coalesce: true,
    maxInstances: 1,
    timeout: null,
    nextRunTime,
  };
}

/** A Job for `context`, as a store restores it. */
export function buildJob(context, id, nextRunTime) {
  return context.restoreJob(jobState(id, nextRunTime), 'default');
}

const ID_MARK = '@ID@';
const TIME_MARK = 1234567890123;

/**
 * The stored document of ONE serialised job, with markers where the id and the next run time go:
 * `fill(id, time)` returns the document of that job without serialising it again. Used by the
 * bulk fills, which bypass `addJob` for speed.
 */
export function documentTemplate(context) {
  const text = JSON.stringify(context.serializeJob(buildJob(context, ID_MARK, TIME_MARK)));
  if (text.split(ID_MARK).length !== 3 || text.split(String(TIME_MARK)).length !== 2) {
    throw new Error(`unexpected stored document ${text}: cannot place ids and times in it`);
  }
  const [beforeId, betweenIds, beforeTime] = text.split(ID_MARK);
  const [middle, afterTime] = beforeTime.split(String(TIME_MARK));
  return {
    text,
    idMark: ID_MARK,
    timeMark: String(TIME_MARK),
    fill: (id, time) => `${beforeId}${id}${betweenIds}${id}${middle}${time}${afterTime}`,
  };
}
