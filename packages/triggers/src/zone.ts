/**
 * Time-zone rules: UTC offsets and their transitions for one IANA zone, read from the ICU data
 * behind `Intl` and cached, so that scheduling math is integer arithmetic on "wall milliseconds"
 * (a wall-clock time written as if it were UTC) plus a cached offset lookup.
 */
import { DAY_MS, SECOND_MS, civilFromDays, daysFromCivil } from './calendar.js';
import { TriggerInternalError } from './errors.js';
import { canonicalZoneName } from './zone-names.js';

/** A stretch of instants `[start, end)` over which a zone's UTC offset does not change. */
export interface OffsetSegment {
  /** First instant (epoch ms) of the stretch; `-Infinity` for a zone without transitions. */
  readonly start: number;
  /** First instant after the stretch; `Infinity` for a zone without transitions. */
  readonly end: number;
  /** Offset in ms: wall time = instant + offset. */
  readonly offset: number;
  /**
   * Offset in force just before `start`. Equal to `offset` when `start` is only a cache boundary;
   * smaller when `start` is a spring-forward (a gap of wall times), larger when it is a fall-back.
   */
  readonly previousOffset: number;
}

/** How one wall-clock time maps to instants. */
export interface ResolvedWallTime {
  /** The instant: the earlier one when the wall time is repeated, the gap-shifted one in a gap. */
  readonly first: number;
  /** The later instant of a wall time repeated by a fall-back, else null. */
  readonly second: number | null;
  /** True when the wall time does not exist (spring-forward gap) and `first` was shifted forward. */
  readonly inGap: boolean;
}

// Probing step when scanning for transitions. Transitions closer together than this that return
// to the same offset would be missed; the tz database has none in the range Kairos schedules.
const PROBE_STEP_MS = 4 * DAY_MS;
/** No zone's offset is outside ±15 h, so a wall time's instants lie within this distance of it. */
export const MAX_OFFSET_MS = 15 * 60 * 60 * 1000;

interface YearRules {
  readonly segments: OffsetSegment[];
}

const FIXED_ZONE = /^(?:UTC|GMT|UCT|Zulu|Universal|Greenwich|Etc\/.+)$/i;

/** Offsets and transitions of one IANA time zone. Instances are shared per zone name. */
export class ZoneRules {
  private static readonly cache = new Map<string, ZoneRules>();

  /**
   * The zone's rules, or null when `name` is not a time zone ICU knows. Names are matched in any
   * case; the rules carry the name in IANA's spelling ({@link canonicalTimeZone}).
   */
  static get(name: string): ZoneRules | null {
    const cached = ZoneRules.cache.get(name);
    if (cached) return cached;
    // Offset strings ('+05:00') are not IANA names, whatever a newer Intl accepts.
    if (!/^[a-z]/i.test(name)) return null;
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      return null;
    }
    const canonical = canonicalZoneName(name, format.resolvedOptions().timeZone);
    // One instance per zone spelling, whatever case it was asked for in; the cache of spellings
    // asked for stays small (a name is a user's or a stored spec's).
    const rules = ZoneRules.cache.get(canonical) ?? new ZoneRules(canonical, format);
    if (ZoneRules.cache.size < 10_000) {
      ZoneRules.cache.set(canonical, rules);
      ZoneRules.cache.set(name, rules);
    }
    return rules;
  }

  /**
   * The host's zone name, as Node reports it; `UTC` when the host's `TZ` is blank or unknown
   * (Node then reports `Etc/Unknown` or nothing, and its own `Date` uses UTC too).
   */
  static hostZoneName(): string {
    // Asking Intl costs microseconds, and every trigger without a zone asks: remember the answer
    // for as long as `TZ` (the only way a running process changes its zone) stays the same.
    const tz = process.env.TZ;
    if (ZoneRules.host === null || ZoneRules.host.tz !== tz) {
      const name = Intl.DateTimeFormat().resolvedOptions().timeZone as string | undefined;
      const known = name && name !== 'Etc/Unknown' ? ZoneRules.get(name) : null;
      const zone = known?.name ?? 'UTC';
      ZoneRules.host = { tz, zone };
    }
    return ZoneRules.host.zone;
  }

  private static host: { tz: string | undefined; zone: string } | null = null;

  private readonly years = new Map<number, YearRules>();
  private readonly fixed: OffsetSegment | null;
  // The segment found by the previous lookup: successive lookups mostly hit it.
  private last: OffsetSegment = { start: 0, end: 0, offset: 0, previousOffset: 0 };

  private constructor(
    /** The zone name in IANA's spelling (`Europe/Paris` for `europe/paris`). */
    readonly name: string,
    private readonly format: Intl.DateTimeFormat,
  ) {
    if (FIXED_ZONE.test(format.resolvedOptions().timeZone) || FIXED_ZONE.test(name)) {
      const offset = this.probeOffset(0);
      this.fixed = { start: -Infinity, end: Infinity, offset, previousOffset: offset };
      this.last = this.fixed;
    } else {
      this.fixed = null;
    }
  }

  /** UTC offset in ms at an instant. */
  offsetAt(instant: number): number {
    return this.segmentAt(instant).offset;
  }

  /** The wall time (as wall ms) of an instant. */
  wallOf(instant: number): number {
    return instant + this.segmentAt(instant).offset;
  }

  /** The stretch of constant offset that contains `instant`. */
  segmentAt(instant: number): OffsetSegment {
    if (this.fixed) return this.fixed;
    const last = this.last;
    if (instant >= last.start && instant < last.end) return last;
    const year = civilFromDays(Math.floor(instant / DAY_MS)).year;
    const segments = this.yearRules(year).segments;
    let found = segments[0];
    for (const segment of segments) {
      if (segment.start <= instant) found = segment;
      else break;
    }
    if (!found) throw new TriggerInternalError(`no offset segment for ${this.name} at ${instant}`);
    this.last = found;
    return found;
  }

  /** The segment that follows `segment`. */
  nextSegment(segment: OffsetSegment): OffsetSegment {
    return this.segmentAt(segment.end);
  }

  /**
   * The instants of a wall-clock time: once, twice (fall-back overlap, earlier first) or, in a
   * spring-forward gap, shifted forward by the gap (the offset before the transition applies).
   */
  resolveWall(wall: number): ResolvedWallTime {
    if (this.fixed) return { first: wall - this.fixed.offset, second: null, inGap: false };
    const hits: number[] = [];
    let gapShifted: number | null = null;
    let segment = this.segmentAt(wall - MAX_OFFSET_MS);
    for (;;) {
      const instant = wall - segment.offset;
      if (instant >= segment.start && instant < segment.end) hits.push(instant);
      if (
        segment.previousOffset < segment.offset &&
        wall >= segment.start + segment.previousOffset &&
        wall < segment.start + segment.offset
      ) {
        gapShifted = wall - segment.previousOffset;
      }
      if (segment.end > wall + MAX_OFFSET_MS) break;
      segment = this.nextSegment(segment);
    }
    const [first, second] = hits;
    if (first !== undefined) return { first, second: second ?? null, inGap: false };
    if (gapShifted === null)
      throw new TriggerInternalError(`wall time ${wall} has no instant in ${this.name}`);
    return { first: gapShifted, second: null, inGap: true };
  }

  /** The instant of a wall time: the earlier one when repeated, shifted forward in a gap. */
  wallToInstant(wall: number): number {
    return this.resolveWall(wall).first;
  }

  private yearRules(year: number): YearRules {
    const cached = this.years.get(year);
    if (cached) return cached;
    const from = daysFromCivil(year, 1, 1) * DAY_MS;
    const to = daysFromCivil(year + 1, 1, 1) * DAY_MS;
    const transitions: { at: number; offset: number }[] = [];
    let probe = from;
    let probeOffset = this.probeOffset(probe);
    while (probe < to) {
      const next = Math.min(probe + PROBE_STEP_MS, to);
      const nextOffset = this.probeOffset(next);
      if (nextOffset !== probeOffset)
        this.findTransitions(probe, probeOffset, next, nextOffset, transitions);
      probe = next;
      probeOffset = nextOffset;
    }
    const segments: OffsetSegment[] = [];
    let start = from;
    let offset = this.probeOffset(from);
    let previousOffset = this.probeOffset(from - SECOND_MS);
    for (const transition of transitions) {
      if (transition.at === from) continue;
      segments.push({ start, end: transition.at, offset, previousOffset });
      start = transition.at;
      previousOffset = offset;
      offset = transition.offset;
    }
    segments.push({ start, end: to, offset, previousOffset });
    const rules = { segments };
    this.years.set(year, rules);
    return rules;
  }

  /** Bisects `(lo, hi]` for the instants where the offset changes, to the second. */
  private findTransitions(
    lo: number,
    loOffset: number,
    hi: number,
    hiOffset: number,
    out: { at: number; offset: number }[],
  ): void {
    let left = lo;
    let right = hi;
    let rightOffset = hiOffset;
    while (right - left > SECOND_MS) {
      const mid = left + Math.floor((right - left) / 2 / SECOND_MS) * SECOND_MS;
      const midOffset = this.probeOffset(mid);
      if (midOffset === loOffset) left = mid;
      else {
        right = mid;
        rightOffset = midOffset;
      }
    }
    out.push({ at: right, offset: rightOffset });
    // A third offset between the probes: look for the rest of the changes after this one.
    if (rightOffset !== hiOffset) this.findTransitions(right, rightOffset, hi, hiOffset, out);
  }

  /** Reads the offset at an instant from ICU (slow: only called while filling the cache). */
  private probeOffset(instant: number): number {
    const at = Math.floor(instant / SECOND_MS) * SECOND_MS;
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.format.formatToParts(at)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        case 'era':
          bc = part.value.startsWith('B');
          break;
        default:
          break;
      }
    }
    if (bc) year = 1 - year;
    const wall =
      daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * SECOND_MS;
    return wall - at;
  }
}

/**
 * The host's IANA time zone: what triggers without a zone use. `UTC` when the host's `TZ` is
 * blank or unknown (Node's own `Date` uses UTC then too).
 */
export function hostTimezone(): string {
  return ZoneRules.hostZoneName();
}

/** Whether `name` is an IANA time zone this Node (its ICU data) knows, in any case. */
export function isTimeZone(name: string): boolean {
  return ZoneRules.get(name) !== null;
}

/**
 * The IANA spelling of a time-zone name given in any case (`europe/paris` → `Europe/Paris`,
 * `utc` → `UTC`), or null when it is not a time zone this Node knows. Only the case changes: an
 * alias such as `US/Eastern` or `Asia/Calcutta` is kept, not replaced by the zone it links to.
 * Triggers store their zone in this spelling.
 */
export function canonicalTimeZone(name: string): string | null {
  return ZoneRules.get(name)?.name ?? null;
}
