/** Small labels: a job's state, a run's outcome. Colour is never the only cue: the word is shown. */
import type { JobState, Outcome } from '../api.js';

/** A job's state as a badge. */
export function StateBadge({ state }: { state: JobState }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

/** A run's outcome as a badge; `null` is a run in flight. */
export function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  const name = outcome ?? 'running';
  return <span class={`badge outcome-${name}`}>{name}</span>;
}
