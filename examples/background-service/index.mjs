// Kairos example: an HTTP service that embeds a BackgroundScheduler. The scheduler is configured
// from a flat config dictionary (the form a config file or environment variables give), a
// listener logs every run's outcome, and a small JSON API lists, runs, pauses and resumes jobs.
//
//   node examples/background-service/index.mjs           serve on $PORT (default 3000) until
//                                                        SIGINT or SIGTERM
//   node examples/background-service/index.mjs --smoke   start on a free port, call every
//                                                        endpoint, shut down, exit 0 (CI runs this)
//
//   curl localhost:3000/jobs
//   curl -X POST localhost:3000/jobs/nightly-report/run
//   curl -X POST localhost:3000/jobs/heartbeat/pause
//   curl -X POST localhost:3000/jobs/heartbeat/resume
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  BackgroundScheduler,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  JobLookupError,
  MaxInstancesReachedError,
  SchedulerNotRunningError,
  consoleLogger,
  currentJob,
} from 'kairos';

const smoke = process.argv.includes('--smoke');

function log(message) {
  console.log(`${new Date().toISOString()} ${message}`);
}

// ─── the scheduler ────────────────────────────────────────────────────────────────────────────

// Flat keys, string values: Kairos coerces them the way APScheduler does ('false' → false,
// '4' → 4, 'none' → null) and rejects unknown keys and bad values with an error naming the key.
const config = {
  'kairos.timezone': process.env.KAIROS_TIMEZONE ?? 'UTC',
  'kairos.jobstores.default': { type: 'memory' },
  'kairos.executors.default': { type: 'async', max_workers: '4' },
  'kairos.job_defaults.coalesce': 'false',
  'kairos.job_defaults.max_instances': '1',
  'kairos.job_defaults.misfire_grace_time': '30',
  // The scheduler's own log lines (missed runs, errors it survived); pass your pino logger here.
  'kairos.logger': consoleLogger('warn'),
};

// daemon (the default): the scheduler's timers do not keep the process alive; the HTTP server does.
const scheduler = new BackgroundScheduler(config);

/** Resolves after `ms`, or rejects when `signal` aborts (a job's timeout, a hard shutdown). */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

const sessions = new Map([
  ['alice', Date.now() - 3_600_000],
  ['bob', Date.now()],
]);

/** Drops sessions idle for more than half an hour. */
function cleanupSessions() {
  let dropped = 0;
  for (const [user, lastSeen] of sessions) {
    if (Date.now() - lastSeen > 1_800_000) dropped += Number(sessions.delete(user));
  }
  return { dropped, left: sessions.size };
}

/** A slow, cancellable task: it reads its abort signal from the job context. */
async function buildReport(kind) {
  const job = currentJob();
  await sleep(300, job?.signal);
  return { kind, for: job?.scheduledRunTime.toISOString(), rows: sessions.size };
}

await scheduler.addJob(
  () => process.memoryUsage().rss,
  { type: 'interval', seconds: 30 },
  {
    id: 'heartbeat',
    name: 'heartbeat',
  },
);
await scheduler.addJob(cleanupSessions, { type: 'interval', minutes: 15 }, { id: 'cleanup' });
await scheduler.addJob(
  buildReport,
  { type: 'cron', hour: 2, minute: 30 },
  { id: 'nightly-report', args: ['daily'], timeout: 60 },
);

/** The last outcome of each job, as the listener saw it. */
const lastRuns = new Map();

scheduler.addListener(
  (event) => {
    const scheduled = (event.scheduledRunTime ?? event.scheduledRunTimes?.[0])?.toISOString();
    const outcome = event.name.replace('job_', '');
    lastRuns.set(event.jobId, { outcome, scheduled, at: new Date().toISOString() });
    const detail =
      event.name === 'job_executed'
        ? ` → ${JSON.stringify(event.retval)}`
        : event.name === 'job_error'
          ? `: ${String(event.exception)}`
          : '';
    log(`job ${event.jobId} ${outcome} (scheduled ${scheduled})${detail}`);
  },
  EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES,
);

// Failures the scheduler caught and survived (job store, executor, listener): alert on these.
scheduler.on('error', (failure) => {
  log(`scheduler ${failure.source} error while ${failure.action}: ${String(failure.error)}`);
});

// ─── the HTTP API ─────────────────────────────────────────────────────────────────────────────

function jobView(job) {
  // A stored job whose task this process cannot load is listed too, with why.
  if (job.state === 'unrestorable') {
    return { id: job.id, name: job.name, state: job.state, cause: String(job.cause) };
  }
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    trigger: String(job.trigger),
    nextRunTime: job.nextRunTime?.toISOString() ?? null,
    paused: job.paused,
    lastRun: lastRuns.get(job.id) ?? null,
  };
}

/** Answers one request; returns [status, body]. */
async function route(method, path) {
  if (method === 'GET' && path === '/health') {
    return [200, { scheduler: scheduler.state }];
  }
  if (method === 'GET' && path === '/jobs') {
    return [200, { jobs: (await scheduler.getJobs()).map(jobView) }];
  }
  const match = /^\/jobs\/([^/]+)(?:\/(run|pause|resume))?$/.exec(path);
  if (match === null) return [404, { error: `no route for ${method} ${path}` }];
  const id = decodeURIComponent(match[1]);
  const action = match[2];
  if (action === undefined && method === 'GET') {
    const job = await scheduler.getJob(id);
    return job === null ? [404, { error: `no job '${id}'` }] : [200, jobView(job)];
  }
  if (action === undefined || method !== 'POST') {
    return [405, { error: `use ${action === undefined ? 'GET' : 'POST'} for ${path}` }];
  }
  if (action === 'run') {
    // Once now, under the job's maxInstances; its schedule stays as it is.
    await scheduler.runJob(id);
    return [202, { submitted: id }];
  }
  if (action === 'pause') return [200, jobView(await scheduler.pauseJob(id))];
  const resumed = await scheduler.resumeJob(id);
  return resumed === null
    ? [410, { error: `job '${id}' has no fire time left and was removed` }]
    : [200, jobView(resumed)];
}

/** Kairos errors carry their meaning in their class. */
function statusOf(error) {
  if (error instanceof JobLookupError) return 404;
  if (error instanceof MaxInstancesReachedError) return 409;
  if (error instanceof SchedulerNotRunningError) return 503;
  return 500;
}

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  route(request.method ?? 'GET', path)
    .catch((error) => [statusOf(error), { error: error instanceof Error ? error.message : error }])
    .then(([status, body]) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body, null, 2) + '\n');
    });
});

// ─── start and graceful shutdown ──────────────────────────────────────────────────────────────

let stopping = null;

/** Stops taking requests, then shuts the scheduler down after its running jobs finish. */
function stop(reason) {
  stopping ??= (async () => {
    log(`${reason}: closing the HTTP server, then shutting the scheduler down`);
    await new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await scheduler.shutdown({ wait: true });
    log('stopped');
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stop(signal).catch((error) => {
      console.error('shutdown failed', error);
      process.exitCode = 1;
    });
  });
}

await scheduler.start();
await new Promise((resolve) =>
  server.listen(smoke ? 0 : Number(process.env.PORT ?? 3000), resolve),
);
const base = `http://localhost:${server.address().port}`;
log(`listening on ${base} with ${(await scheduler.getJobs()).length} jobs`);

// ─── --smoke: what CI runs ────────────────────────────────────────────────────────────────────

/** Resolves with the next run outcome of `jobId` (executed or error), or rejects after `ms`. */
function nextOutcome(jobId, ms = 5_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no run of ${jobId} within ${ms} ms`)), ms);
    const listener = (event) => {
      if (event.jobId !== jobId) return;
      clearTimeout(timer);
      scheduler.removeListener(listener);
      resolve(event);
    };
    scheduler.addListener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR);
  });
}

async function smokeTest() {
  const call = async (method, path) => {
    const response = await fetch(base + path, { method });
    const body = await response.json();
    log(`smoke: ${method} ${path} → ${response.status}`);
    return { status: response.status, body };
  };

  let reply = await call('GET', '/jobs');
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body.jobs.map((job) => job.id).sort(), [
    'cleanup',
    'heartbeat',
    'nightly-report',
  ]);

  const executed = nextOutcome('nightly-report');
  reply = await call('POST', '/jobs/nightly-report/run');
  assert.equal(reply.status, 202);
  // The report takes 300 ms and maxInstances is 1: a second run now is refused.
  reply = await call('POST', '/jobs/nightly-report/run');
  assert.equal(reply.status, 409);
  const event = await executed;
  assert.equal(event.name, 'job_executed');
  assert.equal(event.retval.kind, 'daily');

  reply = await call('GET', '/jobs/nightly-report');
  assert.equal(reply.body.lastRun.outcome, 'executed');
  assert.notEqual(reply.body.nextRunTime, null, 'runJob leaves the schedule as it is');

  reply = await call('POST', '/jobs/heartbeat/pause');
  assert.equal(reply.status, 200);
  assert.deepEqual([reply.body.paused, reply.body.nextRunTime], [true, null]);
  reply = await call('POST', '/jobs/heartbeat/resume');
  assert.equal(reply.body.paused, false);

  reply = await call('POST', '/jobs/no-such-job/run');
  assert.equal(reply.status, 404);
  reply = await call('GET', '/health');
  assert.deepEqual(reply.body, { scheduler: 'running' });
}

if (smoke) {
  // A hung smoke test fails CI instead of stalling it.
  setTimeout(() => {
    console.error('smoke: timed out');
    process.exit(1);
  }, 15_000).unref();
  try {
    await smokeTest();
    await stop('smoke test passed');
  } catch (error) {
    console.error('smoke: FAILED', error);
    process.exitCode = 1;
    await stop('smoke test failed');
  }
}
