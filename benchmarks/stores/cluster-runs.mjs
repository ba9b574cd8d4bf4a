// The run history the history-query benchmark reads: many jobs with finished runs one a minute
// (100 a job, the default retention's `keep`), written fast through each store's own bulk path
// in the layout its ledger keeps (read from the stores' ledger code: indexed copies of id,
// jobId, scheduledRunTime, outcome, schedulerId, leaseUntil, slot, and the whole row as the
// JSON text of `encodeRunRow`). No fill holds the rows in memory.
/** Finished runs per job: the default retention keeps 100. */
export const RUNS_PER_JOB = 100;
/** The scheduler every filled run names. */
const SCHEDULER_ID = 'bench-host:4242:0a1b2c3d';
/** The error every `error` run carries. */
const RUN_ERROR = { name: 'Error', message: 'bench failure', stack: null };
/** Rows per transaction, pipeline or insertMany. */
const CHUNK = 10_000;

/**
 * What a fill of `rows` runs writes: `jobs` jobs (`job-00000` …) with {@link RUNS_PER_JOB} runs
 * each. Run `k` of job `j` is scheduled at `base + k·60 s + j·5 ms` (every time distinct), so
 * the newest runs of a job are those with the greatest `k`.
 */
export function historyPlan(rows, now = Date.now()) {
  const jobs = Math.max(1, Math.floor(rows / RUNS_PER_JOB));
  return {
    jobs,
    rows: jobs * RUNS_PER_JOB,
    // The last minute of runs ends a minute before now: retention's maxAge never applies.
    base: now - (RUNS_PER_JOB + 1) * 60_000,
  };
}

/** The id of job `j`. */
export function jobId(j) {
  return `job-${String(j).padStart(5, '0')}`;
}

/** The index of run `k` of job `j` in time order (its id's number). */
function runIndex(plan, j, k) {
  return k * plan.jobs + j;
}

/** The outcome of run number `g`: 2 % errors, 1 % missed, the rest executed. */
function outcomeOf(g) {
  if (g % 50 === 7) return 'error';
  if (g % 100 === 13) return 'missed';
  return 'executed';
}

/** Run `k` of job `j` as a ledger keeps it (a `RunRow`, finished). */
export function historyRow(plan, j, k) {
  const g = runIndex(plan, j, k);
  const id = `run-${String(g).padStart(7, '0')}`;
  const job = jobId(j);
  const time = plan.base + k * 60_000 + j * 5;
  const outcome = outcomeOf(g);
  const missed = outcome === 'missed';
  return {
    id,
    jobId: job,
    jobName: job,
    jobstore: 'default',
    executor: 'default',
    schedulerId: SCHEDULER_ID,
    scheduledRunTime: time,
    coalescedRunTimes: [],
    submittedAt: time + 1,
    startedAt: missed ? null : time + 2,
    finishedAt: missed ? time + 1 : time + 2 + (g % 40),
    outcome,
    error: outcome === 'error' ? RUN_ERROR : null,
    attempt: 0,
    slot: id,
    leaseUntil: null,
    onAbandoned: 'fail',
    maxRetries: 1,
    job: null,
  };
}

/** Every row in time order (oldest first), generated as it is iterated. */
function* rowsInTimeOrder(plan) {
  for (let k = 0; k < RUNS_PER_JOB; k++) {
    for (let j = 0; j < plan.jobs; j++) yield historyRow(plan, j, k);
  }
}

/** The ids of the newest `count` runs of job `j`, in the history's order (newest first). */
export function newestRunIds(plan, j, count, skip = 0) {
  const ids = [];
  for (let k = RUNS_PER_JOB - 1 - skip; k >= 0 && ids.length < count; k--) {
    ids.push(historyRow(plan, j, k).id);
  }
  return ids;
}

// ─── SQLite ───────────────────────────────────────────────────────────────────────────────────

/**
 * Prepared INSERTs into `<table>_runs` in transactions of {@link CHUNK} rows on a connection of
 * its own (the store's tables exist: its `start()` made them), then a WAL checkpoint.
 */
export function fillSqliteRuns(database, table, plan) {
  const insert = database.prepare(
    `INSERT INTO "${table}_runs" ` +
      `(id, job_id, scheduled_run_time, outcome, scheduler_id, lease_until, slot, row) ` +
      `VALUES (?, ?, ?, ?, ?, NULL, ?, ?)`,
  );
  const write = database.transaction((rows) => {
    for (const row of rows) {
      const text = JSON.stringify(row);
      insert.run(
        row.id,
        row.jobId,
        row.scheduledRunTime,
        row.outcome,
        row.schedulerId,
        row.id,
        text,
      );
    }
  });
  let chunk = [];
  for (const row of rowsInTimeOrder(plan)) {
    chunk.push(row);
    if (chunk.length === CHUNK) {
      write(chunk);
      chunk = [];
    }
  }
  write(chunk);
  database.pragma('wal_checkpoint(TRUNCATE)');
}

// ─── PostgreSQL ───────────────────────────────────────────────────────────────────────────────

/**
 * The row text {@link historyRow} gives, built by the server for run number `g` (with `j`, `k`,
 * `id`, `job`, `t`, `outcome` from the fill's LATERAL): JSON.stringify's key order.
 */
const PG_ROW_TEXT = `'{"id":"' || id || '","jobId":"' || job || '","jobName":"' || job ||
  '","jobstore":"default","executor":"default","schedulerId":"' || $4::text ||
  '","scheduledRunTime":' || t || ',"coalescedRunTimes":[],"submittedAt":' || (t + 1) ||
  ',"startedAt":' || CASE WHEN outcome = 'missed' THEN 'null' ELSE (t + 2)::text END ||
  ',"finishedAt":' || CASE WHEN outcome = 'missed' THEN (t + 1) ELSE t + 2 + g % 40 END ||
  ',"outcome":"' || outcome || '","error":' ||
  CASE WHEN outcome = 'error' THEN $5::text ELSE 'null' END ||
  ',"attempt":0,"slot":"' || id ||
  '","leaseUntil":null,"onAbandoned":"fail","maxRetries":1,"job":null}'`;

/** Run numbers `$1 … $2` of a plan of `$3` jobs, scheduled from `$6`: the columns of each. */
const PG_RUNS = `
  FROM generate_series($1::bigint, $2::bigint) AS g,
  LATERAL (SELECT g % $3::bigint AS j, g / $3::bigint AS k) AS place,
  LATERAL (SELECT 'run-' || lpad(g::text, 7, '0') AS id,
                  'job-' || lpad(j::text, 5, '0') AS job,
                  $6::bigint + k * 60000 + j * 5 AS t,
                  CASE WHEN g % 50 = 7 THEN 'error' WHEN g % 100 = 13 THEN 'missed'
                       ELSE 'executed' END AS outcome) AS run`;

/**
 * Server-side `INSERT … SELECT … FROM generate_series` into `<table>_runs` ({@link CHUNK}·10
 * rows a statement, one transaction), then ANALYZE. First the server's text of the first 200
 * rows is compared with {@link historyRow}'s: the two generators must agree.
 */
export async function fillPostgresRuns(client, qualifiedRunsTable, plan) {
  const parameters = (first, last) => [
    first,
    last,
    plan.jobs,
    SCHEDULER_ID,
    JSON.stringify(RUN_ERROR),
    plan.base,
  ];
  const sample = await client.query(
    `SELECT ${PG_ROW_TEXT} AS text ${PG_RUNS} ORDER BY g`,
    parameters(0, Math.min(200, plan.rows) - 1),
  );
  sample.rows.forEach(({ text }, g) => {
    const expected = JSON.stringify(historyRow(plan, g % plan.jobs, Math.floor(g / plan.jobs)));
    if (text !== expected) throw new Error(`PostgreSQL fill row ${g}: ${text} ≠ ${expected}`);
  });
  await client.query('BEGIN');
  for (let first = 0; first < plan.rows; first += CHUNK * 10) {
    const last = Math.min(first + CHUNK * 10, plan.rows) - 1;
    await client.query(
      `INSERT INTO ${qualifiedRunsTable} ` +
        `(id, job_id, scheduled_run_time, outcome, scheduler_id, lease_until, slot, document) ` +
        `SELECT id, job, t, outcome, $4::text, NULL, id, ${PG_ROW_TEXT} ${PG_RUNS}`,
      parameters(first, last),
    );
  }
  await client.query('COMMIT');
  await client.query(`ANALYZE ${qualifiedRunsTable}`);
}

// ─── Redis ────────────────────────────────────────────────────────────────────────────────────

/**
 * Pipelined writes in the Redis store's layout (`layout.ts`, the ledger script's `insert_run`
 * for a finished run): HSET `<prefix>runs` id → row, ZADD of the member `<time>:<id>` (score 0)
 * to `<prefix>runs:all` and `<prefix>runs:job:<jobId>`, SADD of the job to `<prefix>runs:jobs`.
 * Job by job: one HSET and two ZADDs of 100 entries per job, flushed every {@link CHUNK} rows.
 */
export async function fillRedisRuns(client, prefix, plan) {
  let pipeline = client.pipeline();
  let queued = 0;
  const flush = async () => {
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    pipeline = client.pipeline();
    queued = 0;
  };
  for (let j = 0; j < plan.jobs; j++) {
    const fields = [];
    const members = [];
    for (let k = 0; k < RUNS_PER_JOB; k++) {
      const row = historyRow(plan, j, k);
      fields.push(row.id, JSON.stringify(row));
      members.push(0, runMember(row));
    }
    pipeline.hset(`${prefix}runs`, ...fields);
    pipeline.zadd(`${prefix}runs:all`, ...members);
    pipeline.zadd(`${prefix}runs:job:${jobId(j)}`, ...members);
    pipeline.sadd(`${prefix}runs:jobs`, jobId(j));
    queued += RUNS_PER_JOB;
    if (queued >= CHUNK) await flush();
  }
  if (queued > 0) await flush();
}

/**
 * A run's member in the Redis store's history sets (its `run-order.ts`, not exported): the
 * scheduled time shifted by 2^52 as 16 digits, `:`, the run id; equal scores order by bytes.
 */
function runMember(row) {
  return `${String(row.scheduledRunTime + 2 ** 52).padStart(16, '0')}:${row.id}`;
}

// ─── MongoDB ──────────────────────────────────────────────────────────────────────────────────

/**
 * Unordered `insertMany` of {@link CHUNK} documents at a time into `<collection>_runs`, each as
 * the store's `runDocument(row)` makes it: `_id`, the indexed copies and `row` (the JSON text).
 */
export async function fillMongoRuns(runs, plan) {
  let documents = [];
  for (const row of rowsInTimeOrder(plan)) {
    documents.push({
      _id: row.id,
      jobId: row.jobId,
      scheduledRunTime: row.scheduledRunTime,
      outcome: row.outcome,
      schedulerId: row.schedulerId,
      leaseUntil: row.leaseUntil,
      slot: row.slot,
      row: JSON.stringify(row),
    });
    if (documents.length === CHUNK) {
      await runs.insertMany(documents, { ordered: false });
      documents = [];
    }
  }
  if (documents.length > 0) await runs.insertMany(documents, { ordered: false });
}
