/**
 * `kairos run`, overlap policies: four jobs due every second whose command takes 1.6 s, each
 * with one policy, in one real daemon process.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon, linesOf, sleep, tempDir, type LogLine } from './daemon.js';

const dir = tempDir();
let daemon: Daemon;
let exitCode: number | null;

function job(name: string, overlap: string): Record<string, unknown> {
  return {
    name,
    trigger: { type: 'interval', seconds: 1 },
    command: `echo start >> ${name}.log; sleep 1.6; echo end >> ${name}.log`,
    overlap,
  };
}

/** The job's run events in order, as 'start' and 'end'. */
function runs(name: string): string[] {
  return daemon.lines
    .filter((line) => line.job === name && ['started', 'finished', 'failed'].includes(line.event))
    .map((line) => (line.event === 'started' ? 'start' : 'end'));
}

/** True when no run started while another of the job ran. */
function sequential(name: string): boolean {
  let running = 0;
  for (const step of runs(name)) {
    running += step === 'start' ? 1 : -1;
    if (running > 1) return false;
  }
  return true;
}

beforeAll(async () => {
  writeFileSync(
    join(dir, 'jobs.json'),
    JSON.stringify({
      jobs: [
        job('forbid', 'forbid'),
        job('allow', 'allow'),
        job('queue', 'queue'),
        job('replace', 'replace'),
      ],
    }),
  );
  daemon = new Daemon(['--grace', '10s', 'jobs.json'], dir);
  await daemon.ready();
  await sleep(5_500);
  exitCode = await daemon.stop();
}, 30_000);

afterAll(() => {
  if (daemon.child.exitCode === null) daemon.signal('SIGKILL');
});

describe('kairos run overlap policies', () => {
  it('exits 0 after SIGTERM once the running commands are done', () => {
    expect(exitCode).toBe(0);
    expect(daemon.lines.at(-1)?.message).toBe('stopped');
  });

  it('forbid: never overlaps, skips, and starts one catch-up run when the running one ends', () => {
    expect(sequential('forbid')).toBe(true);
    expect(daemon.events('skipped', 'forbid').length).toBeGreaterThanOrEqual(2);
    // The skipped run's time is a field too, as the started runs' is.
    for (const line of daemon.events('skipped', 'forbid'))
      expect(line.message).toContain(`run due at ${line.due} skipped`);
    // A catch-up run starts right at the end of the run it waited for, not on a whole second.
    const lines = daemon.lines.filter((line) => line.job === 'forbid');
    const catchUp = lines.findIndex(
      (line, index) =>
        line.event === 'started' &&
        lines[index - 1]?.event === 'finished' &&
        Date.parse(line.time) - Date.parse(lines[index - 1]?.time ?? '') < 200,
    );
    expect(catchUp).toBeGreaterThan(0);
    // One catch-up per run that ends, however many were skipped meanwhile.
    expect(daemon.events('started', 'forbid').length).toBeLessThanOrEqual(4);
  });

  it('allow: runs overlap and none is skipped', () => {
    expect(sequential('allow')).toBe(false);
    expect(daemon.events('skipped', 'allow')).toEqual([]);
    expect(daemon.events('started', 'allow').length).toBeGreaterThanOrEqual(5);
    // SIGTERM waited for every running command: each run that started ended.
    expect(linesOf(join(dir, 'allow.log')).filter((line) => line === 'end').length).toBe(
      daemon.events('started', 'allow').length,
    );
  });

  it('queue: never overlaps, and queued runs start one after another', () => {
    expect(sequential('queue')).toBe(true);
    const queued = daemon.events('queued', 'queue');
    expect(queued.length).toBeGreaterThanOrEqual(2);
    expect(queued.at(-1)?.message).toMatch(/\d+ waiting/);
    expect(daemon.events('started', 'queue').length).toBeGreaterThanOrEqual(3);
  });

  it('replace: stops the running run and starts the new one', () => {
    expect(sequential('replace')).toBe(true);
    expect(daemon.events('replaced', 'replace').length).toBeGreaterThanOrEqual(2);
    const stopped: LogLine[] = daemon
      .events('failed', 'replace')
      .filter((line) => line.message.includes('a newer run replaces it'));
    expect(stopped.length).toBeGreaterThanOrEqual(2);
    // Replaced runs never reach their end.
    const log = linesOf(join(dir, 'replace.log'));
    expect(log.filter((line) => line === 'start').length).toBeGreaterThan(
      log.filter((line) => line === 'end').length,
    );
  });
});
