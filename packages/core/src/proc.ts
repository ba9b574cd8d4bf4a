/**
 * Whether a process, or a process group, still lives: what Linux's /proc says of each
 * (`/proc/<pid>/stat`, its state and group), so that a zombie (ended, not yet reaped) does not
 * count, as it does for a signal 0; on other systems, a signal 0.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc/<pid>/stat gives it. */
interface ProcStat {
  /** `R`, `S`, `D`, … and `Z` for a zombie. */
  readonly state: string;
  /** Its process group. */
  readonly group: number;
}

/** The state and group of process `pid`, or null when /proc has none (or there is no /proc). */
function procStat(pid: number | string): ProcStat | null {
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

/** Whether this system has /proc to ask; read at the first question, not at import. */
let hasProc: boolean | undefined;
function procAvailable(): boolean {
  return (hasProc ??= procStat('self') !== null);
}

/** Signal 0 to `target` (a pid, or minus a group): whether something answers it. */
function answersSignal(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    // Another user's process is there too.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a process of this host runs with `pid` (another user's counts; a zombie does not). */
export function processLives(pid: number): boolean {
  if (!procAvailable()) return answersSignal(pid);
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** Whether a process of group `pgid` lives (its leader, or one it left behind; not a zombie). */
export function groupLives(pgid: number): boolean {
  if (!procAvailable()) return answersSignal(-pgid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry); // null: it ended meanwhile
    if (stat !== null && stat.group === pgid && stat.state !== 'Z') return true;
  }
  return false;
}
