/** Formats a duration like Python's `timedelta.__str__`: `0:05:00`, `1 day, 2:00:00`, `0:00:00.500000`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? -1 : 1;
  let micros = Math.round(Math.abs(ms) * 1000);
  // Python normalises negative durations to negative days plus a positive remainder.
  const dayMicros = 86_400_000_000;
  let days = Math.floor(micros / dayMicros);
  micros -= days * dayMicros;
  if (sign < 0 && micros > 0) {
    days = -days - 1;
    micros = dayMicros - micros;
  } else if (sign < 0) days = -days;
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  const clock = `${Math.floor(seconds / 3600)}:${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  const text = fraction === 0 ? clock : `${clock}.${String(fraction).padStart(6, '0')}`;
  if (days === 0) return text;
  return `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${text}`;
}
