/** An instant shown both ways: relative ("in 4 min") and, beneath, on the zone's wall clock. */
import { absolute, relative } from '../format.js';

/** `iso` relative to `now`, with the absolute time in `zone` (also in a `<time>` element). */
export function When({ iso, zone, now }: { iso: string | null; zone: string; now: number }) {
  if (iso === null) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} class="when">
      <span>{relative(iso, now)}</span>
      <span class="muted small">{absolute(iso, zone)}</span>
    </time>
  );
}
