// What else used the machine's CPUs during a measurement: this 2-core machine is shared with
// other work, which the tables must show. Reads Linux's /proc/stat (elsewhere the meter reports
// nothing) and the process's own CPU time, worker threads included.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The kernel's clock ticks per second, the unit of /proc/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * Starts measuring; `stop()` returns the average number of cores used by other processes
 * (`otherCores`: busy time of all CPUs − this process's CPU time) and stolen by the hypervisor
 * (`stealCores`) since the start, or nulls where /proc/stat cannot be read.
 */
export function startLoadMeter() {
  const before = readStat();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  return {
    stop() {
      const after = readStat();
      const seconds = (performance.now() - started) / 1000;
      if (before === null || after === null || seconds <= 0) {
        return { otherCores: null, stealCores: null };
      }
      const own = process.cpuUsage(ownBefore);
      const ownSeconds = (own.user + own.system) / 1e6;
      const busySeconds = (after.busy - before.busy) / USER_HZ;
      return {
        otherCores: Math.max(0, busySeconds - ownSeconds) / seconds,
        stealCores: (after.steal - before.steal) / USER_HZ / seconds,
        ownCores: ownSeconds / seconds,
      };
    },
  };
}

/** Machine-wide busy and steal ticks (all CPUs), or null when /proc/stat is not there. */
function readStat() {
  if (os.platform() !== 'linux') return null;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return { busy: user + nice + system + irq + softirq, steal };
  } catch {
    return null;
  }
}
