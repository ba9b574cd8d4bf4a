/** A trigger was given a field it cannot use. Thrown by constructors and `triggerFromSpec`. */
export class TriggerConfigError extends Error {
  /** The offending field, e.g. `minute`, `timezone`, `start_date`, `triggers[1].hour`. */
  readonly field: string;
  /** The value that was given. */
  readonly value: unknown;
  /** What is wrong with it, without the trigger and field prefix. */
  readonly problem: string;

  constructor(trigger: string, field: string, value: unknown, problem: string) {
    super(`${trigger} trigger: ${field}: ${problem}`);
    this.name = 'TriggerConfigError';
    this.field = field;
    this.value = value;
    this.problem = problem;
  }
}

/**
 * A trigger searched longer than its iteration bound without finding a fire time: a combining
 * trigger whose children never agree, or a walk over more fire times than any schedule needs.
 */
export class TriggerIterationLimitError extends Error {
  /** The bound that was reached. */
  readonly maxIterations: number;

  /**
   * @param what what was not found, e.g. `no common fire time`
   * @param advice what the user can do about it
   */
  constructor(
    trigger: string,
    maxIterations: number,
    from: Date,
    what = 'no common fire time',
    advice = 'the children may never agree. Raise maxIterations if they do, but rarely.',
  ) {
    super(
      `${trigger}: ${what} found after ${maxIterations} iterations searching from ` +
        `${from.toISOString()}; ${advice}`,
    );
    this.name = 'TriggerIterationLimitError';
    this.maxIterations = maxIterations;
  }
}

/**
 * A broken invariant inside the triggers' time-zone arithmetic: a bug in Kairos, never the
 * user's input. The message says what was being computed; please report it with that message.
 */
export class TriggerInternalError extends Error {
  constructor(problem: string) {
    super(
      `Kairos triggers: internal error: ${problem}. This is a bug in @kairos/triggers; ` +
        `please report it with this message.`,
    );
    this.name = 'TriggerInternalError';
  }
}

/** Quotes a user-given value for an error message: `'text'`, `12n`, `function build`, JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
