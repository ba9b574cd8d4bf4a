import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type OracleVector, runVector } from '../scripts/oracle-vector.mjs';
import * as api from '../src/index.js';

// The public vectors of ../../shared/oracle, computed by the real APScheduler 3.11.2 (vendored).
const oracle = JSON.parse(
  readFileSync(new URL('./fixtures/oracle-public.json', import.meta.url), 'utf8'),
) as {
  vectors: OracleVector[];
};

describe('APScheduler oracle (public vectors)', () => {
  it('has every vector of the file', () => {
    expect(oracle.vectors.length).toBe(765);
  });

  it.each(oracle.vectors.map((vector) => [vector.id, vector] as const))('%s', (_id, vector) => {
    const result = runVector(vector, api);
    if (result.status === 'fail') expect.fail(`expected ${result.expected}, got ${result.got}`);
    if (result.status === 'skip') {
      // Only the deliberate rejections the issue asks for may be skipped, and each must throw.
      expect(result.reason).toMatch(/^deliberate: Kairos rejects/);
      expect(() => api.triggerFromSpec(vector.trigger)).toThrow(api.TriggerConfigError);
    }
  });

  it('skips exactly the four deliberate rejections', () => {
    const skipped = oracle.vectors
      .filter((vector) => runVector(vector, api).status === 'skip')
      .map((vector) => vector.id);
    expect(skipped).toEqual(['cron-0110', 'cron-0114', 'cron-0152', 'cron-0181']);
  });
});
