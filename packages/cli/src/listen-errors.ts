/**
 * Why a server the CLI starts (`--metrics`, `kairos dashboard`) cannot listen, and what to do,
 * in Kairos's words, from the error's code.
 */

/** What each listen error code means. */
const LISTEN_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE:
    'the address is in use (another process listens on it); stop it or choose another port',
  EACCES: 'no permission to listen there (ports below 1024 need root); choose a port from 1024',
  EADDRNOTAVAIL: 'this machine has no such address; write one of its addresses',
  ENOTFOUND: 'the host name is not known; write an address such as 127.0.0.1',
};

/**
 * The problem of a listen error, or null when `error` is not one (a bug, shown as such).
 * @param everyInterface how the command listens on every interface, appended to the address hints
 */
export function listenProblem(error: unknown, everyInterface: string): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !(code in LISTEN_PROBLEMS)) return null;
  const problem = LISTEN_PROBLEMS[code] ?? '';
  return code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
    ? `${problem}, ${everyInterface}`
    : problem;
}
