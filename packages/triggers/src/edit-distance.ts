/**
 * Edit distance (Levenshtein) between names, for "did you mean" hints on misspelt keys: the
 * trigger fields' here, and in @kairos/core the configuration dictionary's and the job options'.
 */

/** Names longer than this get no suggestion: the hint is not worth a long computation. */
const MAX_NAME_LENGTH = 64;

/**
 * The number of single-character insertions, deletions and substitutions that turn `a` into
 * `b` (Levenshtein distance). Two rows of the usual table, so memory is O(length of b).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      const deletion = (previous[j] ?? 0) + 1;
      const insertion = (current[j - 1] ?? 0) + 1;
      current[j] = Math.min(substitution, deletion, insertion);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate nearest to `written`, compared without case and underscores (`max_instance`
 * is one edit from `maxInstances`), or undefined when none is close: at most a third of
 * `written`'s letters may differ (at least one), or `written` (four letters or more) begins the
 * candidate; so `misfireGrace` finds `misfireGraceTime`, `max_sleep` finds `maxSleepTime` and
 * `bogus` finds nothing. Ties go to the earlier candidate.
 */
export function nearestName<T extends string>(
  written: string,
  candidates: readonly T[],
): T | undefined {
  const loose = looseName(written);
  if (loose.length === 0 || loose.length > MAX_NAME_LENGTH) return undefined;
  const allowed = Math.max(1, Math.floor(loose.length / 3));
  let best: T | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of candidates) {
    const name = looseName(candidate);
    // A long enough beginning counts too: `max_sleep` means `maxSleepTime`.
    const distance = loose.length >= 4 && name.startsWith(loose) ? 0.5 : editDistance(loose, name);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function looseName(name: string): string {
  return name.replaceAll('_', '').toLowerCase();
}

/**
 * ` (did you mean <name>?)` for the candidate nearest to `written` ({@link nearestName}), or ''
 * when none is close: the hint Kairos's messages about unknown keys end their first part with.
 * @param spell how to write the suggested name (snake_case for flat configuration keys)
 */
export function didYouMean(
  written: string,
  candidates: readonly string[],
  spell: (name: string) => string = (name) => name,
): string {
  const near = nearestName(written, candidates);
  return near === undefined ? '' : ` (did you mean ${spell(near)}?)`;
}
