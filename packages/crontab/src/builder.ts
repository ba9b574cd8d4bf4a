/**
 * python-crontab's field builder: `job.minute.every(5)`, `job.hour.on(2)`,
 * `job.dow.during('MON', 'FRI')`, `job.hour.also.on(20)`, `job.minute.during(0, 30).every(10)`.
 * Each call rewrites one field of its job; values are checked against the field's range and
 * names before anything changes.
 */
import { CrontabValueError } from './errors.js';
import { fieldRule, parseField, type FieldRule } from './fields.js';
import type { FieldName } from './interfaces.js';

/** What a builder edits: the job's field texts (implemented by `CronJob`). */
export interface FieldTarget {
  /** The field's current text (after turning a special into its five fields). */
  getField(field: FieldName): string;
  /** Replaces the field's text. */
  setField(field: FieldName, text: string): void;
}

/** A value of a field: a number, or a name in month (`'jan'`) and day-of-week (`'MON'`). */
export type FieldValue = number | string;

/** Builder of one time field of a job. Methods return the builder for chaining. */
export class FieldBuilder {
  private readonly target: FieldTarget;
  private readonly rule: FieldRule;
  private readonly append: boolean;
  /** The range the previous `during` wrote, so that `every` can step it. */
  private lastRange: string | null = null;

  /** @internal Jobs create builders: `job.minute`, `job.hour`, `job.dom`, `job.month`, `job.dow`. */
  constructor(target: FieldTarget, field: FieldName, append = false) {
    this.target = target;
    this.rule = fieldRule(field);
    this.append = append;
  }

  /** A builder that adds to the field instead of replacing it: `job.hour.on(8).also.on(20)`. */
  get also(): FieldBuilder {
    return new FieldBuilder(this.target, this.rule.name, true);
  }

  /** Every `step` units (`*\/step`), or every `step` within the range a `during` just set. */
  every(step: number): this {
    if (!Number.isInteger(step) || step < 1)
      throw new CrontabValueError(
        this.rule.label,
        step,
        `${this.rule.name}.every(${String(step)}): the step must be a whole number of 1 or more`,
      );
    if (this.lastRange !== null) {
      const stepped = `${this.lastRange}/${step}`;
      const text = this.target.getField(this.rule.name);
      this.target.setField(
        this.rule.name,
        text.slice(0, text.length - this.lastRange.length) + stepped,
      );
      this.lastRange = null;
      return this;
    }
    return this.put(step === 1 ? '*' : `*/${step}`);
  }

  /** Exactly these values: `on(2)`, `on(1, 15)`, `on('MON', 'WED')`. */
  on(...values: FieldValue[]): this {
    if (values.length === 0)
      throw new CrontabValueError(this.rule.label, values, `${this.rule.name}.on() needs a value`);
    this.lastRange = null;
    return this.put(values.map((value) => this.check(value)).join(','));
  }

  /** The range `from`-`to`; chain `.every(n)` to step it. */
  during(from: FieldValue, to: FieldValue): this {
    const range = `${this.check(from)}-${this.check(to)}`;
    if (this.number(from) > this.number(to))
      throw new CrontabValueError(
        this.rule.label,
        range,
        `${this.rule.name}.during(${show(from)}, ${show(to)}): cron ranges do not wrap around; call during() for each part, joined with also`,
      );
    this.put(range);
    this.lastRange = range;
    return this;
  }

  /** Any value (`*`). */
  clear(): this {
    this.lastRange = null;
    this.target.setField(this.rule.name, '*');
    return this;
  }

  /** The field's text. */
  toString(): string {
    return this.target.getField(this.rule.name);
  }

  private put(item: string): this {
    const current = this.target.getField(this.rule.name);
    this.target.setField(
      this.rule.name,
      this.append && current !== '*' ? `${current},${item}` : item,
    );
    return this;
  }

  /** The value as it will be written, after checking it against the field. */
  private check(value: FieldValue): string {
    const text = typeof value === 'number' ? String(value) : value.trim();
    const parsed = parseField(text, this.rule);
    const error = parsed.problems[0];
    if (!/^[A-Za-z0-9]+$/.test(text) || error !== undefined)
      throw new CrontabValueError(
        this.rule.label,
        value,
        `${this.rule.name}: ${error?.message ?? `${show(value)} is not a single ${this.rule.label}; pass one number or name per argument`}`,
      );
    return typeof value === 'number' ? text : text.toUpperCase();
  }

  /** The value's number (a name's position; day-of-week 7 stays 7). */
  private number(value: FieldValue): number {
    const text = this.check(value).toLowerCase();
    const index = this.rule.names?.indexOf(text) ?? -1;
    return index >= 0 ? index + this.rule.min : Number(text);
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
