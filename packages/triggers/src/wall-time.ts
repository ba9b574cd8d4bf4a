/** Instants as APScheduler writes them: wall time and zone, `datetime_repr` style. */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building an `Intl.DateTimeFormat` costs far more than using one. */
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/**
 * `YYYY-MM-DD HH:MM:SS <zone>`: an epoch-ms instant as wall time in `timezone`, as APScheduler's
 * `datetime_repr` writes it. With `milliseconds`, a non-zero millisecond part is shown too
 * (`HH:MM:SS.mmm`), as log lines about run times need.
 */
export function formatWallTime(
  instant: number,
  timezone: string,
  options: { milliseconds?: boolean } = {},
): string {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatterFor(timezone).formatToParts(instant)) parts[part.type] = part.value;
  const millis = ((instant % 1000) + 1000) % 1000;
  const fraction =
    options.milliseconds === true && millis !== 0 ? `.${String(millis).padStart(3, '0')}` : '';
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${fraction} ${timezone}`;
}
