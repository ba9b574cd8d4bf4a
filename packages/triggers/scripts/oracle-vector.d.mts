/** Types of scripts/oracle-vector.mjs, for the vitest suite. */
import type * as Triggers from '../src/index.js';

export interface OracleVector {
  id: string;
  group?: string;
  tags?: string[];
  desc?: string;
  trigger: Record<string, unknown>;
  start: string;
  previous: string | null;
  expect: string[] | { error: string; message: string };
  outcome?: 'limit' | 'exhausted';
}

export type VectorResult =
  | { status: 'pass' }
  | { status: 'skip'; reason: string }
  | { status: 'fail'; expected: string; got: string };

export function runVector(vector: OracleVector, api: typeof Triggers): VectorResult;
