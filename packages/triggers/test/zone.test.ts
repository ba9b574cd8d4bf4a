import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DateTrigger, canonicalTimeZone, triggerFromSpec } from '../src/index.js';
import { ZoneRules } from '../src/zone.js';
import { DST_ZONES } from './helpers.js';

const ZONES = ['UTC', 'Asia/Kathmandu', 'Pacific/Apia', 'Africa/Casablanca', ...DST_ZONES];
const instant = fc.integer({
  min: Date.parse('1950-01-01T00:00:00Z'),
  max: Date.parse('2100-01-01T00:00:00Z'),
});

function rules(name: string): ZoneRules {
  const zone = ZoneRules.get(name);
  if (!zone) throw new Error(`no zone ${name}`);
  return zone;
}

describe('ZoneRules', () => {
  it('agrees with Luxon on the offset at any instant', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, (name, at) => {
        const luxonOffsetMs = DateTime.fromMillis(at, { zone: name }).offset * 60_000;
        expect(rules(name).offsetAt(at)).toBe(luxonOffsetMs);
      }),
      { numRuns: 2000 },
    );
  });

  it('finds every wall time once, twice in an overlap, or gap-shifted', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, (name, at) => {
        const zone = rules(name);
        const wall = zone.wallOf(at);
        const resolved = zone.resolveWall(wall);
        // A real instant's wall time resolves to it (as the first or second occurrence).
        expect(resolved.inGap).toBe(false);
        expect([resolved.first, resolved.second]).toContain(at);
        for (const candidate of [resolved.first, resolved.second])
          if (candidate !== null) expect(zone.wallOf(candidate)).toBe(wall);
      }),
      { numRuns: 2000 },
    );
  });

  it('shifts a wall time in a spring-forward gap forward by the gap', () => {
    const newYork = rules('America/New_York');
    const wall = Date.parse('2024-03-10T02:30:00Z'); // 02:30 written as wall ms
    expect(newYork.resolveWall(wall)).toEqual({
      first: Date.parse('2024-03-10T07:30:00Z'),
      second: null,
      inGap: true,
    });
    const overlap = newYork.resolveWall(Date.parse('2024-11-03T01:30:00Z'));
    expect(overlap).toEqual({
      first: Date.parse('2024-11-03T05:30:00Z'),
      second: Date.parse('2024-11-03T06:30:00Z'),
      inGap: false,
    });
  });

  it('spells a zone name given in any case as IANA does, keeping aliases', () => {
    const cases: [string, string][] = [
      ['europe/paris', 'Europe/Paris'],
      ['EUROPE/PARIS', 'Europe/Paris'],
      ['UTC', 'UTC'],
      ['utc', 'UTC'],
      ['Etc/UTC', 'Etc/UTC'],
      ['etc/utc', 'Etc/UTC'],
      ['etc/gmt+5', 'Etc/GMT+5'],
      ['us/eastern', 'US/Eastern'],
      ['america/port-au-prince', 'America/Port-au-Prince'],
      ['america/north_dakota/new_salem', 'America/North_Dakota/New_Salem'],
      // Node 20's ICU maps this current name to its old CLDR one (Asia/Calcutta): kept as given.
      ['asia/kolkata', 'Asia/Kolkata'],
      ['Asia/Calcutta', 'Asia/Calcutta'],
    ];
    for (const [given, spelled] of cases)
      expect([given, canonicalTimeZone(given)]).toEqual([given, spelled]);
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
    expect(canonicalTimeZone('+05:00')).toBeNull();
    expect(rules('europe/paris')).toBe(rules('Europe/Paris'));
  });

  it('stores the canonical spelling on every trigger and in its spec', () => {
    const specs = [
      { type: 'cron', hour: 9, timezone: 'europe/paris' },
      { type: 'crontab', expr: '0 9 * * *', timezone: 'europe/paris' },
      { type: 'interval', hours: 1, start_date: '2024-01-01', timezone: 'europe/paris' },
      { type: 'calendarinterval', days: 1, start_date: '2024-01-01', timezone: 'europe/paris' },
      { type: 'date', run_date: '2024-01-01', timezone: 'europe/paris' },
    ];
    for (const spec of specs) {
      const trigger = triggerFromSpec(spec);
      expect((trigger as unknown as { timezone: string }).timezone).toBe('Europe/Paris');
      expect(trigger.toJSON()).toMatchObject({ timezone: 'Europe/Paris' });
    }
    // The option a scheduler passes is spelled canonically too.
    expect(triggerFromSpec({ type: 'cron', hour: 9 }, { timezone: 'utc' }).toJSON()).toMatchObject({
      timezone: 'UTC',
    });
    expect(
      String(new DateTrigger({ runDate: '2030-01-01T09:00:00', timezone: 'europe/paris' })),
    ).toBe('date[2030-01-01 09:00:00 Europe/Paris]');
  });

  it('knows unknown zones are unknown', () => {
    expect(ZoneRules.get('Mars/Olympus')).toBeNull();
  });
});
