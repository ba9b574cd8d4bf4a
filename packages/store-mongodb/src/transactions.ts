/**
 * Multi-document writes of a MongoDB job store: in a transaction where the server has them
 * (replica sets, sharded clusters), else one write after another (a standalone server), learning
 * which from the server's first refusal.
 */
import type { ClientSession, MongoClient } from 'mongodb';
import { codeOf } from './schema.js';

/** Where the writes go, and what the store learnt about its server's transactions. */
export interface TransactionTarget {
  readonly client: MongoClient;
  /** False once the server said it has no transactions (a standalone server). */
  transactions: boolean;
}

/** Server error code of a transaction on a server that cannot run one (IllegalOperation). */
const NO_TRANSACTIONS = 20;

/**
 * Runs `work` in one transaction (its writes all land or none do), or without a session on a
 * server that has none; the first refusal is remembered, and `work` then runs without one.
 *
 * `work` may run more than once: the driver retries a transaction that hit a transient error
 * (a write conflict with another process's transaction), so it must compute its writes afresh
 * each time and must not swallow the errors of its operations.
 * @param work writes with `session` when it is given (undefined: no transaction)
 */
export async function atomically<T>(
  target: TransactionTarget,
  work: (session: ClientSession | undefined) => Promise<T>,
): Promise<T> {
  if (target.transactions) {
    const session = target.client.startSession();
    try {
      return await session.withTransaction(() => work(session));
    } catch (error) {
      if (codeOf(error) !== NO_TRANSACTIONS) throw error;
      target.transactions = false;
    } finally {
      await session.endSession();
    }
  }
  return work(undefined);
}
