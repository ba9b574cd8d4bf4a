/**
 * better-sqlite3 is synchronous; the store interfaces are promises. Every method of the store
 * and its ledger does its work at once and hands back a settled promise.
 */

/** Runs a synchronous action; its result or error as a settled promise. */
export function settle<T>(action: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(action()));
}
