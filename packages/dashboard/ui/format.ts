/** How the dashboard writes times and durations: "in 4 min", "2026-12-07 09:00:00 CET", "1.2 s". */

const units: [limitSeconds: number, seconds: number, name: string][] = [
  [60, 1, 's'],
  [3600, 60, 'min'],
  [86_400, 3600, 'h'],
  [86_400 * 60, 86_400, 'days'],
  [Infinity, 86_400 * 30, 'months'],
];

/** `iso` relative to `now`: "in 4 min", "12 s ago", "now". */
export function relative(iso: string, now: number): string {
  const deltaSeconds = (Date.parse(iso) - now) / 1000;
  const size = Math.abs(deltaSeconds);
  if (size < 1) return 'now';
  for (const [limit, seconds, name] of units) {
    if (size < limit) {
      const count = Math.floor(size / seconds);
      const unit =
        count === 1 && name === 'days' ? 'day' : count === 1 && name === 'months' ? 'month' : name;
      return deltaSeconds > 0 ? `in ${count} ${unit}` : `${count} ${unit} ago`;
    }
  }
  return iso;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      });
    } catch {
      // A zone the browser does not know: UTC, and the name says so.
      formatter = formatterFor('UTC');
    }
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** `iso` on the wall clock of `zone`: "2026-12-07 09:00:00 CET". */
export function absolute(iso: string, zone: string): string {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(iso))) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

/** A duration in ms: "85 ms", "1.2 s", "3 min 5 s", "2 h 1 min". */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A run's Retry cell: "—" for a first run, else which retry of an abandoned run it is. */
export function retry(attempt: number): string {
  return attempt === 0 ? '—' : String(attempt);
}
