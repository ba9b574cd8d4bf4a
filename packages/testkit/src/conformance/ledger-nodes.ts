/**
 * Schedulers as the ledger sees them: a heartbeat upserts its node, renews the leases of the
 * runs it names (its own, still without an outcome) and prunes long-dead nodes; `leave`,
 * `getNodes`, and the store's clock.
 */
import type { NodeBeat } from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { runRow } from '../run-rows.js';
import type { Harness } from './index.js';
import { ledgerOf, openRows, writeFinished } from './ledger.js';

const SECOND = 1000;
const MINUTE = 60_000;

export function defineLedgerNodeTests(h: Harness): void {
  /** A heartbeat of node `id` at `now`, renewing nothing and pruning nothing unless told. */
  const beat = (id: string, now: number, changes: Partial<NodeBeat> = {}): NodeBeat => ({
    id,
    host: `host-of-${id}`,
    pid: 4242,
    startedAt: now - MINUTE,
    now,
    leaseUntil: now + 30 * SECOND,
    runIds: [],
    pruneBefore: now - 10 * MINUTE,
    ...changes,
  });

  describe('run ledger: heartbeats and nodes', () => {
    it('upserts the node of each beat, and lists nodes by id', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      for (const id of ['node-c', 'node-a', 'node-b']) await ledger.beat(beat(id, now));
      await ledger.beat(beat('node-a', now + SECOND, { host: 'moved', pid: 7 }));
      expect(await ledger.getNodes()).toEqual([
        {
          id: 'node-a',
          host: 'moved',
          pid: 7,
          startedAt: now + SECOND - MINUTE,
          lastSeen: now + SECOND,
        },
        { id: 'node-b', host: 'host-of-node-b', pid: 4242, startedAt: now - MINUTE, lastSeen: now },
        { id: 'node-c', host: 'host-of-node-c', pid: 4242, startedAt: now - MINUTE, lastSeen: now },
      ]);
    });

    it('renews the leases of the named runs of that owner that have no outcome, only', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const lease = now + 10 * SECOND;
      const named = runRow({
        id: 'named',
        schedulerId: 'node-a',
        scheduledRunTime: now,
        leaseUntil: lease,
      });
      const unnamed = runRow({
        id: 'unnamed',
        schedulerId: 'node-a',
        scheduledRunTime: now,
        leaseUntil: lease,
      });
      const foreign = runRow({
        id: 'foreign',
        schedulerId: 'node-b',
        scheduledRunTime: now,
        leaseUntil: lease,
      });
      await openRows(ledger, [named, unnamed, foreign], now);
      const done = runRow({
        id: 'done',
        schedulerId: 'node-a',
        scheduledRunTime: now,
        outcome: 'executed',
      });
      await writeFinished(ledger, [done]);
      const renewed = now + 5 * MINUTE;
      await ledger.beat(
        beat('node-a', now + SECOND, {
          leaseUntil: renewed,
          runIds: ['named', 'foreign', 'done', 'missing'],
        }),
      );
      const rows = await ledger.getRuns({ limit: 10 });
      expect(rows).toEqual([unnamed, { ...named, leaseUntil: renewed }, foreign, done]);
      expect(await ledger.getRuns({ jobId: 'missing', limit: 10 })).toEqual([]);
    });

    it('deletes nodes last seen before pruneBefore', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await ledger.beat(beat('dead', now - 10 * MINUTE - 1));
      await ledger.beat(beat('edge', now - 10 * MINUTE));
      await ledger.beat(beat('alive', now));
      expect((await ledger.getNodes()).map((node) => node.id)).toEqual(['alive', 'edge']);
    });

    it('removes a node that leaves, and ignores one it does not know', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await ledger.beat(beat('node-a', now));
      await ledger.beat(beat('node-b', now));
      await ledger.leave('node-a');
      await ledger.leave('nobody');
      expect((await ledger.getNodes()).map((node) => node.id)).toEqual(['node-b']);
    });

    it('shows the nodes of every instance to each', async (context) => {
      if (!h.options.shared) context.skip();
      const now = h.context.clock.now();
      const other = ledgerOf((await h.another()).store);
      await ledgerOf(h.store).beat(beat('node-a', now));
      await other.beat(beat('node-b', now));
      expect((await other.getNodes()).map((node) => node.id)).toEqual(['node-a', 'node-b']);
    });

    it("tells the store's clock, when it has one, within 2 s of this process's", async (context) => {
      const ledger = ledgerOf(h.store);
      if (ledger.serverTime === undefined) {
        context.skip();
        return;
      }
      const before = Date.now();
      const time = await ledger.serverTime();
      expect(time).toBeGreaterThan(before - 2000);
      expect(time).toBeLessThan(Date.now() + 2000);
    });
  });
}
