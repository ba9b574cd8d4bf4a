/**
 * The scheduler's side of a shared run ledger, on fake clocks: leases renewed by the heartbeat,
 * lapsed runs ended as abandoned once (then retried or not), cluster-wide maxInstances, the
 * store's clock, nodes, retention. Two schedulers "share a store" through one ledger: each has
 * a memory store of its own whose ledger is the same shared (not local) one; a scheduler is
 * "killed" by no longer moving its clock, so its heartbeat stops.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  BackgroundScheduler,
  FakeClock,
  JobStoreError,
  MemoryJobStore,
  RecordingLogger,
  type ClaimedRun,
  type DueJobsClaim,
  type JobAbandonedEvent,
} from '../src/index.js';
import { MemoryRunLedger } from '../src/jobstores/memory-ledger.js';
import { T0, at, fakeSleep, sec } from './helpers.js';

/** A ledger as a shared store's: leases, heartbeats and scans. */
class SharedLedger extends MemoryRunLedger {
  override readonly local = false;
}

/** A memory store whose runs go to a shared ledger. */
class SharedStore extends MemoryJobStore {
  override readonly ledger: MemoryRunLedger;
  constructor(ledger: MemoryRunLedger) {
    super();
    this.ledger = ledger;
  }
}

interface Node {
  readonly name: string;
  readonly clock: FakeClock;
  readonly scheduler: BackgroundScheduler;
  readonly logger: RecordingLogger;
  readonly ran: string[];
  readonly abandoned: JobAbandonedEvent[];
}

function node(
  name: string,
  ledger: MemoryRunLedger,
  options: { leaseSeconds?: number; history?: false | { keep?: number }; start?: number } = {},
  ran: string[] = [],
): Node {
  const clock = new FakeClock(options.start ?? T0);
  const logger = new RecordingLogger();
  const abandoned: JobAbandonedEvent[] = [];
  const scheduler = new BackgroundScheduler({
    clock,
    logger,
    schedulerId: name,
    leaseSeconds: options.leaseSeconds ?? 10,
    ...(options.history === undefined ? {} : { history: options.history }),
    jobstores: { default: new SharedStore(ledger) },
    tasks: {
      // Runs for a minute of its scheduler's clock.
      slow: (label: string) => {
        ran.push(`${name}:${label}@${sec(clock.now())}`);
        return fakeSleep(clock, 60_000).then(() => label);
      },
      quick: (label: string) => {
        ran.push(`${name}:${label}@${sec(clock.now())}`);
        return label;
      },
    },
  });
  scheduler.on('job_abandoned', (event) => abandoned.push(event));
  return { name, clock, scheduler, logger, ran, abandoned };
}

/**
 * Starts a node with the date job `report` (task `slow`, a minute long) due at 1 s: what a
 * scheduler is killed in the middle of.
 */
async function startWithReport(
  { scheduler }: Node,
  options: { onAbandoned?: 'fail' | 'retry'; misfireGraceTime?: number } = {},
): Promise<void> {
  await scheduler.start();
  await scheduler.addJob(
    'slow',
    { type: 'date', runDate: new Date(at(1)) },
    {
      id: 'report',
      args: ['r'],
      ...options,
    },
  );
}

describe('leases and abandoned runs', () => {
  it("ends a dead scheduler's run as abandoned once, and runs nothing again under 'fail'", async () => {
    const ledger = new SharedLedger();
    const ran: string[] = [];
    const a = node('a', ledger, {}, ran);
    await startWithReport(a);
    await a.clock.advance(1000); // a claims and starts the run, then stops (its clock stands)

    const b = node('b', ledger, {}, ran);
    const c = node('c', ledger, {}, ran);
    await b.scheduler.start();
    await c.scheduler.start();
    await b.clock.advance(5000); // a's lease (until 11 s) holds
    await c.clock.advance(5000);
    expect(b.abandoned).toHaveLength(0);
    await b.clock.advance(10_000); // b's scan at 15 s finds it
    await c.clock.advance(10_000);

    const found = [...b.abandoned, ...c.abandoned];
    expect(found.map((event) => [event.jobId, event.owner, sec(event.scheduledRunTime)])).toEqual([
      ['report', 'a', '1s'],
    ]);
    expect(found[0]?.retried).toBe(false);
    expect(ran).toEqual(['a:r@1s']);
    const { runs } = await b.scheduler.getRuns({ jobId: 'report' });
    expect(runs.map((run) => [run.schedulerId, run.attempt, run.outcome])).toEqual([
      ['a', 0, 'abandoned'],
    ]);
    const finder = b.abandoned.length === 1 ? b : c;
    expect(finder.logger.messages('warn')).toContainEqual(
      expect.stringMatching(
        /^Run a:\w+:1 of job "slow" \(id report, scheduled at 2030-01-01T00:00:01.000Z\) was abandoned: its scheduler a stopped renewing its lease\. Not run again \(onAbandoned: 'fail'\)$/,
      ),
    );

    // a comes back and its run ends: too late, the store keeps 'abandoned'.
    await a.clock.advance(60_000);
    await a.scheduler.shutdown();
    expect(a.logger.messages('warn')).toContainEqual(
      expect.stringContaining('after another scheduler had ended it as abandoned'),
    );
    expect((await b.scheduler.getRuns({ jobId: 'report' })).runs.map((run) => run.outcome)).toEqual(
      ['abandoned'],
    );
    await b.scheduler.shutdown();
    await c.scheduler.shutdown();
  });

  it("retries an abandoned run under 'retry', late as it is, and at most maxRetries times", async () => {
    const ledger = new SharedLedger();
    const ran: string[] = [];
    const a = node('a', ledger, {}, ran);
    await startWithReport(a, { onAbandoned: 'retry', misfireGraceTime: 1 });
    await a.clock.advance(1000);

    const b = node('b', ledger, {}, ran);
    await b.scheduler.start();
    await b.clock.advance(15_000); // b retries at 15 s, 14 s late; then b "dies" too
    expect(b.abandoned.map((event) => event.retried)).toEqual([true]);
    expect(ran).toEqual(['a:r@1s', 'b:r@15s']);

    const c = node('c', ledger, { start: at(15) }, ran);
    await c.scheduler.start();
    await c.clock.advance(20_000); // b's lease lapsed; the retry had its one retry
    expect(c.abandoned.map((event) => [event.owner, event.retried])).toEqual([['b', false]]);
    expect(ran).toEqual(['a:r@1s', 'b:r@15s']);
    const { runs } = await c.scheduler.getRuns({ jobId: 'report' });
    expect(runs.map((run) => [run.schedulerId, run.attempt, run.outcome]).sort()).toEqual([
      ['a', 0, 'abandoned'],
      ['b', 1, 'abandoned'],
    ]);
    await c.scheduler.shutdown();
  });

  it("says so when its own claim's reply was lost: the run was written, never started", async () => {
    /** A store whose first claim writes everything and then fails, as a lost reply does. */
    class LostReplyStore extends SharedStore {
      lost = false;
      override async claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
        const claimed = await super.claimDueJobs(claim);
        if (this.lost || claimed.length === 0) return claimed;
        this.lost = true;
        throw new JobStoreError('lost the connection during the call');
      }
    }
    const ledger = new SharedLedger();
    const clock = new FakeClock(T0);
    const logger = new RecordingLogger();
    const ran: string[] = [];
    const scheduler = new BackgroundScheduler({
      clock,
      logger,
      schedulerId: 'a',
      leaseSeconds: 10,
      jobstoreRetryInterval: 1,
      jobstores: { default: new LostReplyStore(ledger) },
    });
    await scheduler.start();
    await scheduler.addJob(() => ran.push('ran'), { type: 'date', runDate: new Date(at(1)) });
    await clock.advance(20_000);
    expect(ran).toEqual([]);
    expect(logger.messages('warn')).toContainEqual(
      expect.stringMatching(
        /was abandoned: this scheduler's claim of it failed after the store had written it \(the store's reply was lost\), so it never started\. Not run again/,
      ),
    );
    await scheduler.shutdown();
  });

  it('writes the start of a run that lasts over a second while it runs; a quick run starts with its outcome', async () => {
    const ledger = new SharedLedger();
    const starts: string[][] = [];
    const start = ledger.start.bind(ledger);
    ledger.start = (rows) => {
      starts.push(rows.map((row) => row.jobId));
      return start(rows);
    };
    const a = node('a', ledger);
    await startWithReport(a);
    await a.scheduler.addJob(
      'quick',
      { type: 'date', runDate: new Date(at(1)) },
      { id: 'quick', args: ['q'] },
    );
    const runOf = async (jobId: string) => (await a.scheduler.getRuns({ jobId })).runs[0];
    await a.clock.advance(1000); // both start at 1 s
    expect((await runOf('report'))?.startedAt).toBeNull(); // its start waits a second
    await a.clock.advance(1000);
    const running = await runOf('report');
    expect([running?.outcome, running?.startedAt?.getTime()]).toEqual([null, at(1)]);
    const quick = await runOf('quick');
    expect([quick?.outcome, quick?.startedAt?.getTime()]).toEqual(['executed', at(1)]);
    expect(starts).toEqual([['report']]);

    // a dies during the run: the abandoned run's record says that it had started.
    const b = node('b', ledger, { start: at(2) });
    await b.scheduler.start();
    await b.clock.advance(15_000);
    const [abandoned] = (await b.scheduler.getRuns({ jobId: 'report' })).runs;
    expect([abandoned?.outcome, abandoned?.startedAt?.getTime()]).toEqual(['abandoned', at(1)]);
    await b.scheduler.shutdown();
  });

  it('logs a failed start write and records the start with the outcome', async () => {
    const ledger = new SharedLedger();
    ledger.start = () => Promise.reject(new Error('store away'));
    const a = node('a', ledger);
    await startWithReport(a);
    await a.clock.advance(2000);
    expect(a.logger.messages('warn')).toContain(
      "Error recording the start of 1 run(s) in job store 'default'; their start times are written with their outcomes",
    );
    await a.clock.advance(60_000);
    const [run] = (await a.scheduler.getRuns({ jobId: 'report' })).runs;
    expect([run?.outcome, run?.startedAt?.getTime()]).toEqual(['executed', at(1)]);
    await a.scheduler.shutdown();
  });

  it('a scheduler restarted under the same id ends the runs of its earlier start at once', async () => {
    const ledger = new SharedLedger();
    const ran: string[] = [];
    const before = node('a', ledger, {}, ran);
    await startWithReport(before);
    await before.clock.advance(1000); // claims and starts the run, then is "killed"

    const after = node('a', ledger, { start: at(2) }, ran);
    await after.scheduler.start(); // the lease (until 11 s) still holds: no waiting for it
    expect(after.abandoned.map((event) => [event.jobId, event.owner])).toEqual([['report', 'a']]);
    expect(after.logger.messages('warn')).toContainEqual(
      "Scheduler a started again with 1 run(s) of its earlier start still in flight in job store 'default'; they are ended as abandoned",
    );
    const { runs } = await after.scheduler.getRuns({ jobId: 'report' });
    expect(runs.map((run) => run.outcome)).toEqual(['abandoned']);
    await after.scheduler.shutdown();
  });

  it('refuses to start under the id of a scheduler that still beats, on another host or pid', async () => {
    const ledger = new SharedLedger();
    const beat = (host: string, pid: number, lastSeen: number): Promise<void> =>
      ledger.beat({
        id: 'a',
        host,
        pid,
        startedAt: T0,
        now: lastSeen,
        leaseUntil: lastSeen + 10_000,
        runIds: [],
        pruneBefore: 0,
      });
    // Another host, beating 2 s ago (the lease is 10 s): a live scheduler under this id.
    await beat('elsewhere', 4242, at(-2));
    const second = node('a', ledger);
    await expect(second.scheduler.start()).rejects.toThrow(
      "schedulerId: 'a' is the id of a scheduler alive in job store 'default' (host elsewhere, pid 4242, last beat 2 s ago); give each scheduler an id of its own (a replica's name, not its service's), or start this one once that one has stopped beating for 10 s",
    );
    expect(second.scheduler.state).toBe('stopped');
    expect(second.ran).toEqual([]);
    // This host, another process that runs (this one's parent): the same.
    await beat(hostname(), process.ppid, at(-2));
    await expect(node('a', ledger).scheduler.start()).rejects.toThrow(/pid \d+, last beat 2 s ago/);
    // Silent for longer than the lease: gone, this one may take the id.
    await beat('elsewhere', 4242, at(-11));
    const third = node('a', ledger);
    await third.scheduler.start();
    await third.scheduler.shutdown();
  });

  it('renews the leases of a live scheduler: a run longer than the lease is not abandoned', async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger);
    const b = node('b', ledger);
    await startWithReport(a);
    await b.scheduler.start();
    for (let second = 0; second < 70; second += 1) {
      await a.clock.advance(1000);
      await b.clock.advance(1000);
    }
    expect(b.abandoned).toHaveLength(0);
    const { runs } = await b.scheduler.getRuns({ jobId: 'report' });
    expect(runs.map((run) => [run.outcome, run.durationMs])).toEqual([['executed', 60_000]]);
    await a.scheduler.shutdown();
    await b.scheduler.shutdown();
  });

  it('a clean shutdown records every outcome and leaves nothing to abandon', async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger);
    await startWithReport(a);
    await a.clock.advance(2000);
    await a.scheduler.shutdown({ wait: false });
    const b = node('b', ledger);
    await b.scheduler.start();
    await b.clock.advance(60_000);
    expect(b.abandoned).toHaveLength(0);
    const { runs } = await b.scheduler.getRuns();
    expect(runs.map((run) => [run.schedulerId, run.outcome])).toEqual([['a', 'cancelled']]);
    expect((await b.scheduler.getNodes()).map((n) => n.id)).toEqual(['b']);
    await b.scheduler.shutdown();
  });
});

describe('removeJobstore on a shared store', () => {
  it("writes the outcomes of ended runs first and leaves the store's nodes", async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger);
    await a.scheduler.start();
    await a.scheduler.addJob('quick', null, { id: 'q', args: ['once'] });
    await a.clock.settle();
    expect(a.ran).toEqual(['a:once@0s']);
    await a.scheduler.removeJobstore('default');
    const b = node('b', ledger);
    await b.scheduler.start();
    await b.clock.advance(60_000);
    expect(b.abandoned).toHaveLength(0);
    const { runs } = await b.scheduler.getRuns();
    expect(runs.map((run) => [run.schedulerId, run.outcome])).toEqual([['a', 'executed']]);
    expect((await b.scheduler.getNodes()).map((n) => n.id)).toEqual(['b']);
    await b.scheduler.shutdown();
    await a.scheduler.shutdown();
  });
});

describe('removeJobstore during a run', () => {
  it('waits for the run, records its outcome and leaves: nothing is abandoned or run twice', async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger);
    await startWithReport(a, { onAbandoned: 'retry' });
    await a.clock.advance(2000);
    expect(a.ran).toEqual(['a:r@1s']);
    let removed = false;
    const removal = a.scheduler.removeJobstore('default').then(() => (removed = true));
    await a.clock.advance(30_000);
    expect(removed).toBe(false); // the run goes on, its lease renewed
    await a.clock.advance(40_000);
    await removal;
    const b = node('b', ledger);
    await b.scheduler.start();
    await b.clock.advance(60_000);
    expect(b.abandoned).toHaveLength(0);
    expect(b.ran).toEqual([]);
    const { runs } = await b.scheduler.getRuns();
    expect(runs.map((run) => [run.schedulerId, run.outcome])).toEqual([['a', 'executed']]);
    expect((await b.scheduler.getNodes()).map((n) => n.id)).toEqual(['b']);
    await b.scheduler.shutdown();
    await a.scheduler.shutdown();
  });
});

describe('cluster-wide maxInstances', () => {
  it('refuses a run while another scheduler runs the job, with JOB_MAX_INSTANCES and a skipped run', async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger);
    const b = node('b', ledger);
    const refusals: string[] = [];
    b.scheduler.on('job_max_instances', (event) => refusals.push(event.jobId));
    await a.scheduler.start();
    await b.scheduler.start();
    // The same job in both schedulers' stores (as if shared).
    for (const { scheduler } of [a, b]) {
      await scheduler.addJob('slow', { type: 'interval', minutes: 5 }, { id: 'sync', args: ['s'] });
    }
    await a.clock.advance(300_000); // a starts its run at 5 min; it lasts a minute
    await b.clock.advance(300_000); // b's claim finds a's slot taken
    expect(refusals).toEqual(['sync']);
    // runJob goes through the same count, and does not throw.
    await b.scheduler.runJob('sync');
    expect(refusals).toEqual(['sync', 'sync']);
    const { runs } = await b.scheduler.getRuns({ jobId: 'sync' });
    expect(runs.map((run) => [run.schedulerId, run.outcome]).sort()).toEqual([
      ['a', null],
      ['b', 'skipped'],
      ['b', 'skipped'],
    ]);
    await a.scheduler.shutdown({ wait: false });
    await b.scheduler.shutdown({ wait: false });
  });
});

describe('outcomes before claims', () => {
  /**
   * A started node on a store slow to take outcomes (writes wait until `open()`), with the ids
   * of the jobs whose runs were refused for `maxInstances`.
   */
  async function slowNode(): Promise<{ a: Node; open: () => void; refusals: string[] }> {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    class SlowLedger extends SharedLedger {
      override async finishMany(
        ...args: Parameters<SharedLedger['finishMany']>
      ): ReturnType<SharedLedger['finishMany']> {
        await gate;
        return super.finishMany(...args);
      }
    }
    const a = node('a', new SlowLedger());
    const refusals: string[] = [];
    a.scheduler.on('job_max_instances', (event) => refusals.push(event.jobId));
    await a.scheduler.start();
    return { a, open, refusals };
  }

  it("writes a run's outcome before the claim of the job's next run, which then is not refused", async () => {
    const { a, open, refusals } = await slowNode();
    await a.scheduler.addJob(
      'quick',
      { type: 'interval', seconds: 1 },
      { id: 'tick', args: ['t'] },
    );
    await a.clock.advance(1000); // the run at 1 s ends at once; its outcome waits at the gate
    await a.clock.advance(1000); // the claim of the run at 2 s waits for that write
    expect(a.ran).toEqual(['a:t@1s']);
    open();
    await a.clock.advance(0);
    expect(refusals).toEqual([]);
    expect(a.ran).toEqual(['a:t@1s', 'a:t@2s']);
    await a.scheduler.shutdown();
  });

  it('runJob waits for the outcome of the run before it in the same way', async () => {
    const { a, open, refusals } = await slowNode();
    await a.scheduler.addJob('quick', { type: 'interval', hours: 1 }, { id: 'now', args: ['n'] });
    await a.scheduler.runJob('now'); // ends at once; its outcome waits at the gate
    await a.clock.advance(0);
    const second = a.scheduler.runJob('now'); // finds the job, then waits for that write
    await a.clock.advance(0);
    expect(a.ran).toEqual(['a:n@0s']);
    open();
    await second;
    await a.clock.advance(0);
    expect(refusals).toEqual([]);
    expect(a.ran).toEqual(['a:n@0s', 'a:n@0s']);
    await a.scheduler.shutdown();
  });
});

describe("the store's clock", () => {
  it('decides what is due by the store clock and warns of an offset over a second', async () => {
    const storeClockAhead = 5000;
    const ledger = new SharedLedger();
    const a = node('a', ledger);
    Object.assign(ledger, {
      serverTime: () => Promise.resolve(a.clock.now() + storeClockAhead),
    });
    await a.scheduler.start();
    expect(a.logger.messages('warn')).toContainEqual(
      expect.stringMatching(/^This host's clock is 5000 ms behind job store 'default''s/),
    );
    await a.scheduler.addJob(
      'quick',
      { type: 'date', runDate: new Date(at(10)) },
      {
        id: 'ping',
        args: ['p'],
      },
    );
    await a.clock.advance(5000); // the store's clock says 10 s
    expect(a.ran).toEqual(['a:p@5s']);
    const { runs } = await a.scheduler.getRuns({ jobId: 'ping' });
    expect(runs.map((run) => run.outcome)).toEqual(['executed']);
    await a.scheduler.shutdown();
  });
});

describe("the store's clock, read over a slow round trip", () => {
  it('never starts a run early on this host: the smallest offset the reply allows is taken', async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger);
    // The clocks agree; the server reads its time just before its reply, 20 ms after the
    // request (the midpoint of the round trip would put the store's clock 10 ms ahead).
    Object.assign(ledger, {
      serverTime: () => {
        a.clock.jump(20);
        return Promise.resolve(a.clock.now());
      },
    });
    await a.scheduler.start();
    const runDate = a.clock.now() + 5000;
    await a.scheduler.addJob(
      'quick',
      { type: 'date', runDate: new Date(runDate) },
      {
        id: 'ping',
        args: ['p'],
      },
    );
    await a.clock.advance(runDate - a.clock.now() - 1);
    expect(a.ran).toEqual([]);
    await a.clock.advance(1);
    expect(a.ran).toHaveLength(1);
    await a.scheduler.shutdown();
  });
});

describe('nodes and history', () => {
  it('lists the schedulers with their last beat, alive or dead', async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger);
    const b = node('b', ledger);
    await a.scheduler.start();
    await b.scheduler.start();
    await b.clock.advance(20_000);
    const nodes = await b.scheduler.getNodes();
    expect(nodes.map((n) => [n.id, n.pid, sec(n.lastSeen), n.alive])).toEqual([
      ['a', process.pid, '0s', false],
      ['b', process.pid, '20s', true],
    ]);
    await a.scheduler.shutdown();
    await b.scheduler.shutdown();
  });

  it('keeps the newest runs of each job, as the history option says', async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger, { history: { keep: 2 } });
    await a.scheduler.start();
    await a.scheduler.addJob(
      'quick',
      { type: 'interval', seconds: 1 },
      { id: 'tick', args: ['t'] },
    );
    await a.clock.advance(5000);
    const { runs, nextCursor } = await a.scheduler.getRuns({ jobId: 'tick' });
    expect(runs.map((run) => sec(run.scheduledRunTime))).toEqual(['5s', '4s']);
    expect(nextCursor).toBeNull();
    const job = await a.scheduler.getJob('tick');
    expect(job?.state !== 'unrestorable' && job?.lastRun?.outcome).toBe('executed');
    await a.scheduler.shutdown();
  });

  it('keeps no finished runs with history: false', async () => {
    const ledger = new SharedLedger();
    const a = node('a', ledger, { history: false });
    await a.scheduler.start();
    await a.scheduler.addJob(
      'quick',
      { type: 'interval', seconds: 1 },
      { id: 'tick', args: ['t'] },
    );
    await a.clock.advance(3000);
    expect((await a.scheduler.getRuns()).runs).toEqual([]);
    await a.scheduler.shutdown();
  });

  it('the memory store keeps its newest maxRuns runs of all jobs, and no run in flight', async () => {
    const clock = new FakeClock(T0);
    const scheduler = new BackgroundScheduler({
      clock,
      logger: false,
      jobstores: { default: { type: 'memory', maxRuns: 3 } },
    });
    await scheduler.start();
    await scheduler.addJob(() => 'a', { type: 'interval', seconds: 2 }, { id: 'a' });
    await scheduler.addJob(() => 'b', { type: 'interval', seconds: 3 }, { id: 'b' });
    await clock.advance(12_000);
    const { runs } = await scheduler.getRuns();
    expect(runs.map((run) => `${run.jobId}@${sec(run.scheduledRunTime)}`)).toEqual([
      'b@12s',
      'a@12s',
      'a@10s',
    ]);
    await scheduler.shutdown();
  });

  it('checks the getRuns options at the call', async () => {
    const a = node('a', new SharedLedger());
    await a.scheduler.start();
    await expect(a.scheduler.getRuns({ limit: 0 })).rejects.toThrow(
      'getRuns: limit: 0 is not an integer from 1 to 1000',
    );
    await expect(a.scheduler.getRuns({ outcome: 'exploded' as 'executed' })).rejects.toThrow(
      /getRuns: outcome: "exploded" is not a run outcome/,
    );
    await expect(a.scheduler.getRuns({ cursor: 'nope' })).rejects.toThrow(
      /cursor: "nope" is not a cursor getRuns\(\) gave out/,
    );
    // A misspelt filter is refused, not ignored (which would list every run).
    await expect(a.scheduler.getRuns({ jobID: 'a' } as never)).rejects.toThrow(
      'getRuns: jobID: unknown option (did you mean jobId?); getRuns takes jobId, outcome, since, until, limit, cursor, jobstore',
    );
    await expect(a.scheduler.getRuns('a' as never)).rejects.toThrow(
      "getRuns: 'a' is not an options object such as { jobId: 'report', limit: 20 }",
    );
    await expect(a.scheduler.getRuns({ limit: '2' as never })).rejects.toThrow(
      "getRuns: limit: '2' is not an integer from 1 to 1000",
    );
    await expect(a.scheduler.getRuns({ since: 'yesterday' })).rejects.toThrow(
      /^getRuns: since: 'yesterday' is not a date-time/,
    );
    await a.scheduler.shutdown();
  });
});
