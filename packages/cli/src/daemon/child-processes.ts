/**
 * Whether the commands the daemon started have ended. At a stop the scheduler reports a running
 * command's run as cancelled as soon as its process group is sent SIGTERM; a command that
 * ignores SIGTERM lives on until SIGKILL, its job's `killGrace` later. Node lists the handles
 * that keep it alive, and a child process is a `ProcessWrap` among them until it has exited:
 * the daemon's "stopped" line waits for none to be left.
 */

/** How often the handles are looked at while waiting. */
const POLL_MS = 50;

/** The child processes of this process that have not exited yet. */
export function childProcessCount(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'ProcessWrap').length;
}

/** Resolves to true once every child process has exited, or to false after `limitMs`. */
export async function childProcessesEnded(limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (childProcessCount() > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
