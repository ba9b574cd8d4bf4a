/**
 * The wake-up message persistent stores send each other (Postgres NOTIFY payloads, Redis pub/sub
 * messages): a store that adds or updates a job with a next run time announces it, so the
 * schedulers sharing the store wake for it. One codec, so every store reads the others' messages.
 */

/** A decoded wake-up message. */
export interface Wakeup {
  /** The instance id of the store that sent it (so it can ignore its own); null when absent. */
  readonly from: string | null;
  /** The announced next run time (epoch ms); null when the message carries none. */
  readonly nextRunTime: number | null;
}

/** The text a store with instance id `from` sends for a job stored with `nextRunTime`. */
export function encodeWakeup(from: string, nextRunTime: number): string {
  return JSON.stringify({ from, nextRunTime });
}

/**
 * Reads a wake-up message: null when the text is not a JSON object at all (not one of ours);
 * fields that are missing or of the wrong type come back as null, so such a message still means
 * "the jobs may have changed".
 */
export function decodeWakeup(text: string | undefined): Wakeup | null {
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { from, nextRunTime } = value as Record<string, unknown>;
  return {
    from: typeof from === 'string' ? from : null,
    nextRunTime:
      typeof nextRunTime === 'number' && Number.isFinite(nextRunTime) ? nextRunTime : null,
  };
}
