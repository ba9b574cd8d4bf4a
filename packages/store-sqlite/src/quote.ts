/**
 * Values as error messages quote them, the way @kairos/core's messages do: strings in single
 * quotes, other values as JSON.
 */

/** A value as an error message quotes it: `'jobs'`, `42`, `{"a":1}`. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
