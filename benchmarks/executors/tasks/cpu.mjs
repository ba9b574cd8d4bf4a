// The CPU-bound work every side of the executor benchmarks runs: the same function, imported by
// Kairos's worker threads (as the module reference `…/tasks/cpu.mjs#burn`), by the async
// executor in the main thread, and by bree's job file (bree-jobs/short.mjs).

/**
 * Busy work: `iterations` rounds of an FNV-style hash with an xorshift, all in registers (no
 * allocation, so no GC). Returns the hash, which callers compare with one computed in the main
 * thread (proof that the work was done), and the time the loop took inside the thread, in ms.
 */
export function burn(iterations) {
  const started = performance.now();
  let hash = 0x811c9dc5;
  for (let i = 0; i < iterations; i++) {
    hash ^= i & 0xff;
    hash = Math.imul(hash, 0x01000193);
    hash ^= hash >>> 13;
  }
  return { hash: hash >>> 0, ms: performance.now() - started };
}

/**
 * How many iterations of {@link burn} take `targetMs` on this machine, in this thread, at its
 * undisturbed speed: the fastest of several timed runs of ~20 ms after a warm-up (so that the JIT
 * has compiled the loop); a run slowed by another process would make every job shorter.
 */
export function calibrate(targetMs) {
  const probe = 10_000_000;
  for (let i = 0; i < 3; i++) burn(probe);
  let bestMs = Infinity;
  for (let i = 0; i < 9; i++) bestMs = Math.min(bestMs, burn(probe).ms);
  return Math.max(1, Math.round((probe / bestMs) * targetMs));
}
