/**
 * What Linux's /proc says of a process: its state and process group (`/proc/<pid>/stat`), for
 * telling a live process from a zombie, which a signal 0 cannot. Null where there is no /proc
 * (other systems) or no such process.
 */
import { readFileSync } from 'node:fs';

/** A process as /proc/<pid>/stat gives it. */
export interface ProcStat {
  /** `R`, `S`, `D`, … and `Z` for a zombie (ended, not yet reaped). */
  readonly state: string;
  /** Its process group. */
  readonly group: number;
}

/** The state and group of process `pid`, or null when /proc has none (or there is no /proc). */
export function procStat(pid: number | string): ProcStat | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // After the command name in parentheses (which may hold spaces): state, parent pid, group.
  const [state = '', , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, group: Number(group) };
}

/** Whether this system has /proc to ask. */
export const HAS_PROC = procStat('self') !== null;
