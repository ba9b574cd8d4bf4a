// The CPU-bound tasks of the cpu-jobs example. They run on the worker executor, which imports
// this module in each of its threads (and once in the main thread, when a job is added, to check
// that the export exists): keep the top level free of side effects.
import { createHash } from 'node:crypto';
import { currentJob } from 'kairos';

/**
 * Counts the primes up to `limit` with a sieve of Eratosthenes: pure computation that never
 * yields to the event loop (about 150 ms for 15 million on a laptop core).
 */
export function countPrimes(limit) {
  const { started, late } = runStart();
  const composite = new Uint8Array(limit + 1);
  let primes = 0;
  for (let i = 2; i <= limit; i++) {
    if (composite[i] === 1) continue;
    primes++;
    for (let j = i * i; j <= limit; j += i) composite[j] = 1;
  }
  return { result: `${primes} primes up to ${limit}`, ms: elapsed(started), late };
}

/** Hashes `seed` `rounds` times over with SHA-256, each round hashing the previous digest. */
export function chainHash(seed, rounds) {
  const { started, late } = runStart();
  let digest = Buffer.from(seed);
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return {
    result: `sha256^${rounds}(${seed}) = ${digest.toString('hex', 0, 8)}…`,
    ms: elapsed(started),
    late,
  };
}

/** When this run started, and how long after its scheduled time (time spent queued included). */
function runStart() {
  const started = performance.now();
  const scheduled = currentJob()?.scheduledRunTime.getTime() ?? Date.now();
  return { started, late: Math.max(0, Date.now() - scheduled) };
}

function elapsed(started) {
  return Math.round(performance.now() - started);
}
