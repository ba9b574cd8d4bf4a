/** The duration trend of a job's last runs: an inline SVG line, failures marked by a red dot. */
import type { TrendPoint } from '../api.js';
import { duration } from '../format.js';

const WIDTH = 96;
const HEIGHT = 24;
const PAD = 3;

/** A sparkline of `points` (oldest first); labelled with the range for screen readers. */
export function Sparkline({ points }: { points: TrendPoint[] }) {
  const timed = points.filter((point) => point.durationMs !== null);
  if (timed.length === 0) return <span class="muted">—</span>;
  const values = timed.map((point) => point.durationMs ?? 0);
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const step = timed.length > 1 ? (WIDTH - 2 * PAD) / (timed.length - 1) : 0;
  const xy = timed.map((point, index) => ({
    x: PAD + (timed.length > 1 ? index * step : (WIDTH - 2 * PAD) / 2),
    y: HEIGHT - PAD - (((point.durationMs ?? 0) - min) / span) * (HEIGHT - 2 * PAD),
    failed: point.outcome !== null && point.outcome !== 'executed',
  }));
  const failures = xy.filter((point) => point.failed).length;
  const label =
    `Durations of the last ${timed.length} runs: ${duration(min)} to ${duration(max)}` +
    (failures > 0 ? `, ${failures} failed` : '');
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      <polyline points={xy.map((point) => `${point.x},${point.y}`).join(' ')} />
      {xy.map((point, index) => (
        <circle
          key={index}
          cx={point.x}
          cy={point.y}
          r={point.failed ? 2.6 : 1.6}
          class={point.failed ? 'failed' : ''}
        />
      ))}
    </svg>
  );
}
