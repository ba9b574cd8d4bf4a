/**
 * The writes a store makes at once (the claims of a fire step, the abandonments of a lapsed-lease
 * scan), each winning something or nothing, and what becomes of those that fail.
 */

/**
 * Waits for every write; resolves to what the writes won (those resolving to null won nothing).
 * When some fail, `warn` hears of the first error and how many failed, and what was won is still
 * returned: the caller has it, and the failed ones are tried again later. When writes failed and
 * none won, the first error is thrown instead.
 */
export async function settleWrites<T>(
  writes: readonly Promise<T | null>[],
  warn: (error: unknown, failed: number) => void,
): Promise<T[]> {
  const outcomes = await Promise.allSettled(writes);
  const won: T[] = [];
  const errors: unknown[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') errors.push(outcome.reason);
    else if (outcome.value !== null) won.push(outcome.value);
  }
  if (errors.length > 0) {
    if (won.length === 0) throw errors[0];
    warn(errors[0], errors.length);
  }
  return won;
}
