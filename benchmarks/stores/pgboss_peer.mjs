// pg-boss side of the PostgreSQL comparison, in a fresh process. Prints one JSON line.
//
//   node benchmarks/stores/pgboss_peer.mjs <schedules>
//
// pg-boss 10 keeps one cron schedule per queue (`schedule(name, cron)` upserts the row of queue
// `name`), and every queue is a partition table of its own made by `createQueue`. So N schedules
// are N `createQueue` calls (timed apart) and N `schedule()` calls, each with a cron expression
// (minute resolution: pg-boss evaluates every schedule once a minute and sends a job for each one
// due). Measured here: `createQueue` and `schedule()` calls per second, one after the other, in a
// schema of their own (dropped afterwards), with pg-boss's maintenance and cron monitoring off
// (they play no part in these calls).
import pg from 'pg';
import PgBoss from 'pg-boss';

import { POSTGRES_URL } from './backends.mjs';

const SCHEMA = 'kairos_bench_pgboss';
const count = Number(process.argv[2]);

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * Drops the schema. Its queue partitions are dropped 50 at a time first: dropping hundreds of
 * tables in one transaction needs more locks than PostgreSQL's default max_locks_per_transaction
 * (64 per connection) allows.
 */
async function dropSchema() {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT c.relname FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
      [SCHEMA],
    );
    for (let first = 0; first < rows.length; first += 50) {
      const tables = rows.slice(first, first + 50).map((r) => `"${SCHEMA}"."${r.relname}"`);
      await client.query(`DROP TABLE IF EXISTS ${tables.join(', ')} CASCADE`);
    }
    await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Seconds to call `call(i)` for i in [from, to), one after the other. */
async function timed(from, to, call) {
  const began = performance.now();
  for (let i = from; i < to; i++) await call(i);
  return (performance.now() - began) / 1000;
}

async function main() {
  await dropSchema();
  const boss = new PgBoss({
    connectionString: POSTGRES_URL,
    schema: SCHEMA,
    supervise: false,
    schedule: false,
  });
  boss.on('error', (error) => console.error(error));
  await boss.start();
  try {
    const queue = (i) => `bench-${i}`;
    const cron = '*/5 * * * *';
    // Warm-up: 20 queues and schedules, kept (they do not change the per-call cost measured).
    await timed(0, 20, (i) => boss.createQueue(queue(`warm-${i}`)));
    await timed(0, 20, (i) => boss.schedule(queue(`warm-${i}`), cron, {}, { tz: 'UTC' }));
    const createSeconds = await timed(0, count, (i) => boss.createQueue(queue(i)));
    const scheduleSeconds = await timed(0, count, (i) =>
      boss.schedule(queue(i), cron, {}, { tz: 'UTC' }),
    );
    // Upserting schedules that exist (a changed expression), as a redeploy does.
    const updateSeconds = await timed(0, count, (i) =>
      boss.schedule(queue(i), '*/10 * * * *', {}, { tz: 'UTC' }),
    );
    const stored = (await boss.getSchedules()).length;
    if (stored !== count + 20) throw new Error(`${stored} schedules stored, ${count + 20} made`);
    const { version } = await import('pg-boss/package.json', { with: { type: 'json' } }).then(
      (m) => m.default,
    );
    console.log(
      JSON.stringify({
        workload: 'pg-boss',
        jobs: count,
        version,
        createQueuePerSecond: count / createSeconds,
        schedulePerSecond: count / scheduleSeconds,
        reschedulePerSecond: count / updateSeconds,
      }),
    );
  } finally {
    await boss.stop({ graceful: false, wait: true });
    await dropSchema();
  }
  process.exit(0);
}
