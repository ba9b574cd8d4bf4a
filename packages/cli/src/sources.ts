/**
 * The two kinds of schedule file the command reads, told apart in one place: a JSON job file
 * (`.json`, or text that starts with `{`) or a crontab.
 */

/** True for a JSON job file, false for a crontab. */
export function isJobFile(path: string, text: string): boolean {
  return path.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
}
