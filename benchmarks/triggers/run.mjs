#!/usr/bin/env node
// Trigger benchmark: next-fire-time throughput of Kairos's CronTrigger against croner and
// cron-parser on the same schedules, plus heap retained per instance. Prints Markdown.
//
//   pnpm run bench:triggers                      (build first: pnpm run build)
//   node benchmarks/triggers/run.mjs [--rounds=N] [--round-ms=N] [--warmup-ms=N] [--instances=N]
//
// Method: for each (schedule, zone) every library computes successive fire times, each from the
// previous one, in chains of a fixed length from a start just before the spring-forward DST
// transition (restarting the chain when it ends). Libraries run in interleaved rounds of a fixed
// time budget after a warm-up; the median calls/s over the rounds is reported. The heap per
// instance is measured with --expose-gc (the script re-spawns itself with it).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { LIBRARIES } from './libraries.mjs';
import { median } from '../stats.mjs';

if (typeof globalThis.gc !== 'function') {
  const script = fileURLToPath(import.meta.url);
  const args = ['--expose-gc', ...process.execArgv, script, ...process.argv.slice(2)];
  const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const options = parseOptions(process.argv.slice(2), {
  rounds: 5,
  'round-ms': 400,
  'warmup-ms': 200,
  instances: 10_000,
});

/** Time zones: UTC, and one with DST, starting shortly before its 2024 spring-forward (10 March). */
const ZONES = [
  { zone: 'UTC', offset: 'Z' },
  { zone: 'America/New_York', offset: '-05:00' },
];

/**
 * The schedules. `start` is a local wall time in each zone; `chain` is how many successive fire
 * times are computed before starting over, chosen so that every chain crosses 10 March 2024.
 */
const SCHEDULES = [
  { name: 'every minute', expr: '* * * * *', start: '2024-03-10T01:00:00', chain: 500 },
  { name: 'weekdays 09:00', expr: '0 9 * * 1-5', start: '2024-03-09T00:00:00', chain: 200 },
  { name: 'every 5 s', expr: '*/5 * * * * *', start: '2024-03-10T01:55:00', chain: 500 },
  { name: 'last day of month', expr: '0 0 L * *', start: '2024-03-09T00:00:00', chain: 100 },
  { name: '29 February', expr: '0 0 29 2 *', start: '2024-03-09T00:00:00', chain: 50 },
  { name: 'daily 02:30', expr: '30 2 * * *', start: '2024-03-09T00:00:00', chain: 365 },
];

/** Expressions the heap measurement cycles through. */
const HEAP_EXPRESSIONS = ['* * * * *', '0 9 * * 1-5', '*/5 * * * * *', '0 0 L * *', '30 2 * * *'];
const HEAP_ZONE = 'America/New_York';

const SPEED_TARGET = 5; // Kairos ≥ 5× the best of croner and cron-parser
const HEAP_TARGET = 1024; // ≤ 1 KB per instance

let sink = 0; // consumes results so that no call can be optimised away

main();

function main() {
  const startedAt = performance.now();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log('## Triggers: next fire time, Kairos vs croner vs cron-parser\n');
  console.log(
    `Node ${process.version}, ${os.cpus().length} cores (${cpu}), ${os.platform()} ${os.arch()}; ` +
      `${options.rounds} rounds × ${options['round-ms']} ms per library after ` +
      `${options['warmup-ms']} ms warm-up; ${new Date().toISOString().slice(0, 10)}.\n`,
  );

  const rows = [];
  const warnings = [];
  for (const schedule of SCHEDULES) {
    for (const { zone, offset } of ZONES) {
      const start = Date.parse(schedule.start + offset);
      warnings.push(...checkAgreement(schedule, zone, start));
      rows.push({ schedule, zone, rates: measureThroughput(schedule, zone, start) });
    }
  }
  const heap = measureHeap();

  printThroughput(rows);
  printHeap(heap);
  printTargets(rows, heap);
  console.log('\n### Agreement of fire times\n');
  if (warnings.length === 0) console.log('All three libraries produce the same fire times.');
  for (const line of warnings) console.log(`- warning: ${line}`);
  console.log(`\n(total run time ${((performance.now() - startedAt) / 1000).toFixed(0)} s)`);
  if (sink === 42) console.log(''); // keep `sink` observable
}

/** Median calls/s per library for one (schedule, zone), libraries interleaved round by round. */
function measureThroughput(schedule, zone, start) {
  const chains = LIBRARIES.map((library) => library.chain(schedule.expr, zone, start));
  for (const chain of chains) runFor(chain, schedule.chain, options['warmup-ms']);
  const samples = LIBRARIES.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order so that no library always runs right after another one.
    for (let k = 0; k < chains.length; k++) {
      const i = (round + k) % chains.length;
      samples[i].push(runFor(chains[i], schedule.chain, options['round-ms']));
    }
  }
  return samples.map(median);
}

/** Calls successive fire times for about `budgetMs`; returns calls per second. */
function runFor(chain, chainLength, budgetMs) {
  chain.restart();
  let position = 0;
  let calls = 0;
  const begin = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 8; i++) {
      const time = chain.next();
      sink += time ?? 0;
      if (time === null || ++position === chainLength) {
        chain.restart();
        position = 0;
      }
    }
    calls += 8;
    elapsed = performance.now() - begin;
  } while (elapsed < budgetMs);
  return (calls * 1000) / elapsed;
}

/**
 * Compares one whole chain of fire times of each library: every instant up to the end of the
 * shortest chain that some library has and another has not becomes a warning line.
 */
function checkAgreement(schedule, zone, start) {
  const lists = LIBRARIES.map((library) => {
    const chain = library.chain(schedule.expr, zone, start);
    const times = [];
    try {
      for (let i = 0; i < schedule.chain; i++) {
        const time = chain.next();
        if (time === null) break;
        times.push(time);
      }
    } catch (error) {
      times.push(NaN);
      console.error(`${library.name} failed on ${schedule.expr} in ${zone}: ${error.message}`);
    }
    return times;
  });
  const horizon = Math.min(...lists.map((times) => times.at(-1) ?? -Infinity));
  const sets = lists.map((times) => new Set(times));
  const all = [...new Set(lists.flat())].filter((t) => t <= horizon).sort((a, b) => a - b);
  const lines = [];
  for (const time of all) {
    const has = LIBRARIES.filter((_, i) => sets[i].has(time)).map((l) => l.name);
    if (has.length === LIBRARIES.length) continue;
    const local = new Date(time).toLocaleString('sv-SE', { timeZone: zone, timeZoneName: 'short' });
    lines.push(
      `\`${schedule.expr}\` in ${zone}: ${new Date(time).toISOString()} (${local}) ` +
        `only from ${has.join(' and ')}`,
    );
  }
  return lines;
}

/**
 * Heap retained per instance: N objects of each library (cycling through a few expressions) kept
 * in an array, measured after full GCs; once as created and once after one next-fire-time call
 * each (which may fill lazy caches).
 */
function measureHeap() {
  const n = options.instances;
  const results = [];
  for (const library of LIBRARIES) {
    const kept = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) {
      kept[i] = library.create(HEAP_EXPRESSIONS[i % HEAP_EXPRESSIONS.length], HEAP_ZONE);
    }
    const created = heapAfterGc();
    // One next fire time from each instance, each with its own library's call.
    const from = new Date('2024-03-09T05:00:00Z');
    for (const object of kept) {
      const next =
        library.name === 'Kairos'
          ? object.getNextFireTime(null, from)
          : library.name === 'croner'
            ? object.nextRun(from)
            : object.next();
      sink += next?.getTime() ?? 0;
    }
    const used = heapAfterGc();
    results.push({
      name: library.name,
      created: (created - before) / n,
      used: (used - before) / n,
    });
    kept.length = 0;
  }
  return results;
}

function heapAfterGc() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function printThroughput(rows) {
  const names = LIBRARIES.map((l) => l.name);
  console.log('### Next-fire-time throughput (calls/s, median of rounds; higher is better)\n');
  console.log(
    `| Schedule | Expression | Zone | ${names.join(' | ')} | Kairos ÷ best other | ≥ ${SPEED_TARGET}× |`,
  );
  console.log(`|---|---|---|${names.map(() => '---:').join('|')}|---:|:---:|`);
  for (const { schedule, zone, rates } of rows) {
    const ratio = kairosRatio(rates);
    console.log(
      `| ${schedule.name} | \`${schedule.expr}\` | ${zone} | ${rates.map(formatRate).join(' | ')} ` +
        `| ${formatRatio(ratio)} | ${ratio >= SPEED_TARGET ? 'yes' : 'no'} |`,
    );
  }
}

function printHeap(heap) {
  console.log(
    `\n### Heap retained per instance (${options.instances.toLocaleString('en-US')} instances, ` +
      `${HEAP_ZONE}, expressions cycled: ${HEAP_EXPRESSIONS.map((e) => `\`${e}\``).join(', ')})\n`,
  );
  console.log(
    '| Library | Object | Bytes per instance, as created | After one next-fire-time call |',
  );
  console.log('|---|---|---:|---:|');
  const objects = {
    Kairos: 'CronTrigger.fromCrontab',
    croner: 'Cron (paused)',
    'cron-parser': 'CronExpression',
  };
  for (const { name, created, used } of heap) {
    console.log(`| ${name} | ${objects[name]} | ${formatBytes(created)} | ${formatBytes(used)} |`);
  }
}

function printTargets(rows, heap) {
  console.log('\n### Targets\n');
  const misses = rows.filter(({ rates }) => kairosRatio(rates) < SPEED_TARGET);
  const worst = Math.min(...rows.map(({ rates }) => kairosRatio(rates)));
  console.log(
    `- Kairos ≥ ${SPEED_TARGET}× the best of croner and cron-parser on every schedule and zone: ` +
      (misses.length === 0
        ? `**met** (lowest ratio ${formatRatio(worst)})`
        : `**not met** on ${misses.length} of ${rows.length}: ` +
          misses
            .map(
              ({ schedule, zone, rates }) =>
                `${schedule.name} / ${zone} (${formatRatio(kairosRatio(rates))})`,
            )
            .join(', ')),
  );
  const kairos = heap.find((h) => h.name === 'Kairos');
  const worstHeap = Math.max(kairos.created, kairos.used);
  console.log(
    `- Kairos heap ≤ 1 KB per instance: ${worstHeap <= HEAP_TARGET ? '**met**' : '**not met**'} ` +
      `(${formatBytes(kairos.created)} as created, ${formatBytes(kairos.used)} after one call)`,
  );
}

/** Kairos's calls/s over the best of the other libraries. */
function kairosRatio(rates) {
  return rates[0] / Math.max(...rates.slice(1));
}

function formatRate(rate) {
  return Math.round(rate).toLocaleString('en-US');
}

function formatRatio(ratio) {
  return `${ratio.toFixed(ratio >= 10 ? 0 : 1)}×`;
}

function formatBytes(bytes) {
  return bytes >= 10_240
    ? `${(bytes / 1024).toFixed(1)} KB`
    : `${Math.round(bytes).toLocaleString('en-US')} B`;
}

/** `--name=value` integer options over defaults. */
function parseOptions(argv, defaults) {
  const result = { ...defaults };
  for (const arg of argv) {
    const match = /^--([\w-]+)=(\d+)$/.exec(arg);
    if (!match || !(match[1] in defaults)) {
      console.error(`unknown option ${arg}; options: ${Object.keys(defaults).join(', ')}`);
      process.exit(2);
    }
    result[match[1]] = Number(match[2]);
  }
  return result;
}
