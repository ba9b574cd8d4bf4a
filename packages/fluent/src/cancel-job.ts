/**
 * `CancelJob`: what a task returns to unschedule itself, as in `schedule`.
 */

const MARK = 'kairos.fluent.CancelJob';

/**
 * Return this from a task to cancel its job after the run: `return CancelJob;`. It is recognised
 * after a trip through a worker thread too, where it arrives as a copy.
 */
export const CancelJob: { readonly kind: typeof MARK } = Object.freeze({ kind: MARK });

/** Whether a task's return value asks for its job to be cancelled. */
export function isCancelJob(value: unknown): boolean {
  return (
    value === CancelJob ||
    (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === MARK)
  );
}
