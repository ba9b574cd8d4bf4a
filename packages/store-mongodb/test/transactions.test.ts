/**
 * The two ways a step's writes go (transactions.ts, settle.ts): in a transaction, or one after
 * another once the server said it has none; and what becomes of writes made at once that fail.
 */
import type { ClientSession, MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { settleWrites } from '../src/settle.js';
import { atomically, type TransactionTarget } from '../src/transactions.js';

/** A client whose sessions run transactions as `withTransaction` says, counting what happens. */
function clientWith(withTransaction: (work: () => Promise<unknown>) => Promise<unknown>) {
  const counts = { sessions: 0, ended: 0 };
  const client = {
    startSession: () => {
      counts.sessions += 1;
      return {
        withTransaction,
        endSession: () => {
          counts.ended += 1;
          return Promise.resolve();
        },
      } as unknown as ClientSession;
    },
  } as unknown as MongoClient;
  return { client, counts };
}

describe('atomically', () => {
  it('runs the work in a transaction with its session, and ends the session', async () => {
    const { client, counts } = clientWith((work) => work());
    const target: TransactionTarget = { client, transactions: true };
    const sessions: (ClientSession | undefined)[] = [];
    const result = await atomically(target, (session) => {
      sessions.push(session);
      return Promise.resolve('done');
    });
    expect(result).toBe('done');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toBeDefined();
    expect(counts).toEqual({ sessions: 1, ended: 1 });
    expect(target.transactions).toBe(true);
  });

  it('runs the work without a session once the server refuses transactions (code 20), and remembers', async () => {
    const refusal = Object.assign(
      new Error('Transaction numbers are only allowed on a replica set'),
      {
        code: 20,
      },
    );
    const { client, counts } = clientWith(() => Promise.reject(refusal));
    const target: TransactionTarget = { client, transactions: true };
    const sessions: (ClientSession | undefined)[] = [];
    const work = (session: ClientSession | undefined) => {
      sessions.push(session);
      return Promise.resolve(sessions.length);
    };
    expect(await atomically(target, work)).toBe(1);
    expect(target.transactions).toBe(false);
    expect(await atomically(target, work)).toBe(2);
    expect(sessions).toEqual([undefined, undefined]);
    expect(counts).toEqual({ sessions: 1, ended: 1 });
  });

  it('passes on any other failure of the transaction, without running the work again', async () => {
    const { client, counts } = clientWith(() =>
      Promise.reject(new Error('write conflict, given up')),
    );
    const target: TransactionTarget = { client, transactions: true };
    let runs = 0;
    await expect(
      atomically(target, () => {
        runs += 1;
        return Promise.resolve();
      }),
    ).rejects.toThrow('write conflict, given up');
    expect(runs).toBe(0);
    expect(target.transactions).toBe(true);
    expect(counts.ended).toBe(1);
  });
});

describe('settleWrites', () => {
  const failure = new Error('connection reset');

  it('returns what was won, leaving out writes that won nothing', async () => {
    const warned: unknown[] = [];
    const won = await settleWrites(
      [Promise.resolve('a'), Promise.resolve(null), Promise.resolve('b')],
      (error) => warned.push(error),
    );
    expect(won).toEqual(['a', 'b']);
    expect(warned).toEqual([]);
  });

  it('returns what was won when some writes fail, warning once with the first error and the count', async () => {
    const warned: [unknown, number][] = [];
    const won = await settleWrites(
      [Promise.reject(failure), Promise.resolve('a'), Promise.reject(new Error('later'))],
      (error, failed) => warned.push([error, failed]),
    );
    expect(won).toEqual(['a']);
    expect(warned).toEqual([[failure, 2]]);
  });

  it('throws the first error when writes failed and none won', async () => {
    await expect(
      settleWrites([Promise.resolve(null), Promise.reject(failure)], () => undefined),
    ).rejects.toBe(failure);
  });
});
