/**
 * The `kairos.*` metrics, read back through a MetricReader's collect(): runs by outcome,
 * duration and lateness histograms in seconds, runs in flight, jobs by state, and the
 * `metricJobId` cardinality option.
 */
import { describe, expect, it } from 'vitest';
import { at, fakeSleep, points, telemetryPerTest } from './helpers.js';

const setUp = telemetryPerTest();

describe('kairos.* metrics', () => {
  it('counts runs by job and outcome and records durations and lateness in seconds', async () => {
    const { scheduler, clock, collect } = setUp();
    await scheduler.addJob(
      () => fakeSleep(clock, 250),
      { type: 'interval', seconds: 1 },
      {
        id: 'ok',
        name: 'poll',
      },
    );
    await scheduler.addJob(
      () => {
        throw new RangeError('bad input');
      },
      { type: 'date', runDate: at(1.5) },
      { id: 'bad', name: 'import' },
    );
    await scheduler.addJob(
      () => 'never',
      { type: 'date', runDate: at(-30) },
      {
        id: 'late',
        name: 'cleanup',
      },
    );
    await scheduler.start();
    await clock.advance(2500);
    const metrics = await collect();
    expect(points(metrics.get('kairos.runs'))).toEqual([
      'kairos.job.id=bad,kairos.job.name=import,kairos.run.outcome=error 1',
      'kairos.job.id=late,kairos.job.name=cleanup,kairos.run.outcome=missed 1',
      'kairos.job.id=ok,kairos.job.name=poll,kairos.run.outcome=executed 2',
    ]);
    expect(points(metrics.get('kairos.run.duration'))).toEqual([
      'kairos.job.id=bad,kairos.job.name=import,kairos.run.outcome=error count=1 sum=0',
      'kairos.job.id=ok,kairos.job.name=poll,kairos.run.outcome=executed count=2 sum=0.5',
    ]);
    expect(points(metrics.get('kairos.run.lateness'))).toEqual([
      'kairos.job.id=bad,kairos.job.name=import count=1 sum=0',
      'kairos.job.id=late,kairos.job.name=cleanup count=1 sum=30',
      'kairos.job.id=ok,kairos.job.name=poll count=2 sum=0',
    ]);
    expect(metrics.get('kairos.run.duration')?.descriptor.unit).toBe('s');
    expect(metrics.get('kairos.run.lateness')?.descriptor.unit).toBe('s');
    expect(metrics.get('kairos.runs')?.descriptor.unit).toBe('{run}');
  });

  it('counts runs whose task is running, by executor', async () => {
    const { scheduler, clock, collect } = setUp();
    await scheduler.addJob(
      () => fakeSleep(clock, 10_000),
      { type: 'date', runDate: at(1) },
      {
        id: 'slow',
      },
    );
    await scheduler.addJob(
      () => fakeSleep(clock, 10_000),
      { type: 'date', runDate: at(1) },
      {
        id: 'slower',
      },
    );
    await scheduler.start();
    await clock.advance(1000);
    expect(points((await collect()).get('kairos.runs.in_flight'))).toEqual([
      'kairos.executor=default 2',
    ]);
    await clock.advance(10_000);
    expect(points((await collect()).get('kairos.runs.in_flight'))).toEqual([
      'kairos.executor=default 0',
    ]);
  });

  it('counts jobs by state and job store at collection', async () => {
    const { scheduler, collect } = setUp();
    await scheduler.addJob(() => 1, { type: 'interval', minutes: 1 }, { id: 'a' });
    expect(points((await collect()).get('kairos.jobs'))).toEqual([
      'kairos.job.state=pending,kairos.jobstore=default 1',
    ]);
    await scheduler.start();
    await scheduler.addJob(() => 1, { type: 'interval', minutes: 1 }, { id: 'b' });
    await scheduler.addJob(() => 1, { type: 'interval', minutes: 1 }, { id: 'c' });
    await scheduler.pauseJob('c');
    expect(points((await collect()).get('kairos.jobs'))).toEqual([
      'kairos.job.state=paused,kairos.jobstore=default 1',
      'kairos.job.state=pending,kairos.jobstore=default 0',
      'kairos.job.state=scheduled,kairos.jobstore=default 2',
    ]);
  });

  it('reuses a jobs count for jobStatesMaxAgeMs, and leaves the gauge out with jobStates: false', async () => {
    const cached = setUp({ jobStatesMaxAgeMs: 60_000 });
    await cached.scheduler.start();
    await cached.scheduler.addJob(() => 1, { type: 'interval', minutes: 1 }, { id: 'a' });
    expect(points((await cached.collect()).get('kairos.jobs'))).toEqual([
      'kairos.job.state=scheduled,kairos.jobstore=default 1',
    ]);
    await cached.scheduler.addJob(() => 1, { type: 'interval', minutes: 1 }, { id: 'b' });
    expect(points((await cached.collect()).get('kairos.jobs'))).toEqual([
      'kairos.job.state=scheduled,kairos.jobstore=default 1',
    ]);
    await cached.close();
    const without = setUp({ jobStates: false });
    await without.scheduler.addJob(() => 1, { type: 'interval', minutes: 1 }, { id: 'a' });
    expect((await without.collect()).has('kairos.jobs')).toBe(false);
  });

  it('leaves the job id out of metric points with metricJobId: false', async () => {
    const { scheduler, clock, collect } = setUp({ metricJobId: false });
    for (const id of ['send-1', 'send-2', 'send-3']) {
      await scheduler.addJob(() => 1, { type: 'date', runDate: at(1) }, { id, name: 'send' });
    }
    await scheduler.start();
    await clock.advance(1000);
    const metrics = await collect();
    expect(points(metrics.get('kairos.runs'))).toEqual([
      'kairos.job.name=send,kairos.run.outcome=executed 3',
    ]);
    expect(points(metrics.get('kairos.run.duration'))).toEqual([
      'kairos.job.name=send,kairos.run.outcome=executed count=3 sum=0',
    ]);
  });
});
