/**
 * What a run record keeps of a task's return value and error: JSON-safe and bounded, so a
 * history row or an HTTP answer never holds a huge or cyclic object.
 */

/** An error as a run record keeps it. */
export interface RunError {
  /** The error's class name (`TypeError`, `JobTimeoutError`), or `typeof` for a thrown non-error. */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
  /** The stack, when the error has one. */
  readonly stack: string | null;
}

/** The longest JSON text a result summary keeps as a value; longer results are described. */
export const MAX_RESULT_JSON = 4096;

/** A thrown value as a {@link RunError}. */
export function describeError(error: unknown): RunError {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: typeof error.stack === 'string' ? error.stack : null,
    };
  }
  return { name: typeof error, message: safeString(error), stack: null };
}

/**
 * A JSON-safe summary of a task's return value: `undefined` stays undefined; JSON values whose
 * text is at most 4,096 characters (`MAX_RESULT_JSON`) are kept as JSON would read them back
 * (Dates become ISO strings); anything else (too large, cyclic, a BigInt, a function) becomes
 * `{ type, preview }` with a bounded preview.
 */
export function summarizeResult(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' && value.length <= MAX_RESULT_JSON) return value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text !== undefined && text.length <= MAX_RESULT_JSON) return JSON.parse(text) as unknown;
  return {
    type: typeName(value),
    preview: (text ?? safeString(value)).slice(0, 200),
    truncated: true,
  };
}

function typeName(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'object';
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `[${typeName(value)}]`;
  }
}
