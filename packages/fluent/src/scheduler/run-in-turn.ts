/**
 * Running several jobs or calls one after another, as `schedule` does: each is awaited, a failure
 * does not stop the others, and the errors are thrown once all have run.
 */

/**
 * Runs `run` on each item in turn, awaiting each; then throws the error of the one that failed,
 * or an `AggregateError` when several did.
 * @param what the call the runs belong to, for the `AggregateError`'s message
 */
export async function runInTurn<T>(
  items: readonly T[],
  run: (item: T, index: number) => Promise<void>,
  what: string,
): Promise<void> {
  const errors: unknown[] = [];
  for (const [index, item] of items.entries()) {
    try {
      await run(item, index);
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new AggregateError(errors, `${errors.length} runs failed in ${what}`);
}
