#!/usr/bin/env node
// Runs every vector of a Kairos trigger-oracle file (format: ../../shared/oracle/README.md)
// against the built @kairos/triggers, with no test framework.
//   node packages/triggers/scripts/oracle.mjs <vectors.json> [--verbose]
// Prints one line per failing vector and finally `N passed, M failed, K skipped`; exits 1 on any failure.
import { readFileSync } from 'node:fs';
import * as api from '../dist/index.js';
import { runVector } from './oracle-vector.mjs';

const [file, flag] = process.argv.slice(2);
if (!file) {
  console.error('usage: node packages/triggers/scripts/oracle.mjs <vectors.json> [--verbose]');
  process.exit(2);
}
const document = JSON.parse(readFileSync(file, 'utf8'));
const vectors = Array.isArray(document) ? document : document.vectors;
if (!Array.isArray(vectors)) {
  console.error(`${file}: no "vectors" array`);
  process.exit(2);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const vector of vectors) {
  const result = runVector(vector, api);
  if (result.status === 'pass') passed++;
  else if (result.status === 'skip') {
    skipped++;
    if (flag === '--verbose') console.log(`skipped ${vector.id}: ${result.reason}`);
  } else {
    failed++;
    console.log(
      `FAIL ${vector.id} (${vector.desc ?? ''}): expected ${result.expected}, got ${result.got}`,
    );
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
