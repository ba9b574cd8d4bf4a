/**
 * One time field read exactly as Debian's cron (Vixie cron 3.0, `entry.c` with Debian's patches)
 * reads it: `*`, numbers, three-letter names in month and day-of-week, `a-b` ranges, `/step`,
 * comma lists. Numbers go through C's `atoi`, so huge ones wrap the way cron's do. Text after a
 * complete list up to the next blank is ignored by cron; it is reported as a warning here, and
 * the cleaned `effective` text is what the schedule means.
 */
import type { CrontabProblem, FieldName } from './interfaces.js';

/** The range and names of one field. */
export interface FieldRule {
  readonly name: FieldName;
  /** Cron's word for it in messages: `day-of-month`. */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted instead of numbers; the name at index i means `min + i`. */
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The five fields in crontab order. */
export const FIELD_RULES: readonly FieldRule[] = [
  { name: 'minute', label: 'minute', min: 0, max: 59 },
  { name: 'hour', label: 'hour', min: 0, max: 23 },
  { name: 'dom', label: 'day-of-month', min: 1, max: 31 },
  { name: 'month', label: 'month', min: 1, max: 12, names: [...MONTH_NAMES, 'dec'] },
  { name: 'dow', label: 'day-of-week', min: 0, max: 7, names: DAY_NAMES },
];

/** The rule of a field by name. */
export function fieldRule(name: FieldName): FieldRule {
  const rule = FIELD_RULES.find((candidate) => candidate.name === name);
  if (rule === undefined) throw new RangeError(`unknown crontab field ${name}`);
  return rule;
}

/** A field as cron reads it. */
export interface ParsedField {
  /** The values cron sets, ascending (day-of-week 7 is folded into 0). */
  values: number[];
  /** The text starts with `*`: cron's rule for combining the day fields looks at this. */
  star: boolean;
  /**
   * The field as cron uses it, in numbers: names replaced, the text cron ignores (`#2` of `5#2`)
   * and ranges that set nothing dropped. Empty when invalid or when cron sets no value.
   */
  effective: string;
  /** Errors (cron refuses the line) and warnings. Columns count from the line's start. */
  problems: CrontabProblem[];
}

const ALNUM = /[A-Za-z0-9]/;
const BLANK = /[ \t]/;

/**
 * Reads one field as Debian's cron does. `start` is the field's 0-based index in the line, for
 * columns; `line` the 1-based line number.
 */
export function parseField(text: string, rule: FieldRule, start = 0, line = 1): ParsedField {
  const problems: CrontabProblem[] = [];
  const values = new Set<number>();
  const effective: string[] = [];
  let at = 0;
  const column = (index: number): number => start + index + 1;
  const problem = (
    severity: 'error' | 'warning',
    index: number,
    value: string,
    message: string,
  ): void => {
    problems.push({ severity, line, column: column(index), field: rule.label, value, message });
  };
  const fail = (index: number, value: string, message: string): ParsedField => {
    problem('error', index, value, message);
    return { values: [], star: text.startsWith('*'), effective: '', problems };
  };

  for (;;) {
    const itemStart = at;
    let first: number;
    let last: number;
    let itemText: string;
    let numeric: string;
    if (text[at] === '*') {
      first = rule.min;
      last = rule.max;
      at += 1;
      itemText = '*';
      numeric = '*';
    } else {
      const token = readToken(text, at);
      if (token === '') {
        // After a comma: the list ends with it (cron: "bad <field>").
        if (at > 0 && text[at - 1] === ',' && at === text.length)
          return fail(
            at - 1,
            ',',
            `the ${rule.label} list '${text}' ends with a comma; remove it, or add a value after it`,
          );
        return fail(at, text.slice(at), expectedValue(rule, text.slice(at, at + 1)));
      }
      const number = readNumber(token, rule);
      if (number === null) return fail(at, token, notAValue(rule, token));
      if (number.value < rule.min || number.value > rule.max)
        return fail(at, token, outOfRange(rule, token, number.value));
      if (number.wrapped) problem('warning', at, token, wrappedNumber(rule, token, number.value));
      first = number.value;
      last = first;
      at += token.length;
      itemText = token;
      numeric = String(first);
      if (text[at] === '/')
        return fail(
          itemStart,
          text.slice(itemStart, at + 1 + readToken(text, at + 1).length),
          `a step needs a range: '${token}/…' is refused by cron; write '${token}-${rule.max}/…' or '*/…'`,
        );
      if (text[at] === '-') {
        const endToken = readToken(text, at + 1);
        if (endToken === '')
          return fail(
            at,
            text.slice(itemStart, at + 1),
            `the range '${text.slice(itemStart, at + 1)}' has no end; write a-b`,
          );
        const end = readNumber(endToken, rule);
        if (end === null) return fail(at + 1, endToken, notAValue(rule, endToken));
        if (end.value < rule.min || end.value > rule.max)
          return fail(at + 1, endToken, outOfRange(rule, endToken, end.value));
        if (end.wrapped)
          problem('warning', at + 1, endToken, wrappedNumber(rule, endToken, end.value));
        last = end.value;
        at += 1 + endToken.length;
        itemText = `${token}-${endToken}`;
        numeric = `${first}-${last}`;
      }
    }
    let step = 1;
    if (text[at] === '/' && (itemText === '*' || itemText.includes('-'))) {
      const stepToken = readToken(text, at + 1);
      const stepValue = /^\d+$/.test(stepToken) ? atoi(stepToken) : null;
      if (stepValue === null || stepValue <= 0)
        return fail(
          at + 1,
          stepToken === '' ? text.slice(itemStart, at + 1) : stepToken,
          stepToken === ''
            ? `the step after '/' is missing in ${rule.label}; write for example '*/5'`
            : `'${stepToken}' is not a valid step for ${rule.label}; a step is a whole number of 1 or more`,
        );
      step = stepValue;
      at += 1 + stepToken.length;
      itemText += `/${stepToken}`;
      numeric += `/${step}`;
    }
    if (first > last)
      problem(
        'warning',
        itemStart,
        itemText,
        `the range '${itemText}' runs backwards, so cron sets no ${rule.label} from it; cron ranges do not wrap around: list both parts instead (${first}-${rule.max},${rule.min}-${last})`,
      );
    for (let value = first; value <= last; value += step)
      values.add(rule.name === 'dow' && value === 7 ? 0 : value);
    if (first <= last) effective.push(numeric);
    if (text[at] !== ',') break;
    at += 1;
  }
  if (at < text.length) {
    const ignored = text.slice(at);
    problem('warning', at, ignored, ignoredText(rule, ignored, text.slice(0, at)));
  }
  return {
    values: [...values].sort((a, b) => a - b),
    star: text.startsWith('*'),
    effective: effective.join(','),
    problems,
  };
}

/** The maximal run of letters and digits from `at` (cron's `get_number` token). */
function readToken(text: string, at: number): string {
  let end = at;
  while (end < text.length && ALNUM.test(text.charAt(end))) end += 1;
  return text.slice(at, end);
}

/** A name of the field (any case) or all digits through `atoi`; null otherwise. */
function readNumber(token: string, rule: FieldRule): { value: number; wrapped: boolean } | null {
  const index = rule.names?.indexOf(token.toLowerCase()) ?? -1;
  if (index >= 0) return { value: index + rule.min, wrapped: false };
  if (!/^\d+$/.test(token)) return null;
  const value = atoi(token);
  return { value, wrapped: BigInt(value) !== BigInt(token) };
}

const LONG_MAX = 2n ** 63n - 1n;

/** C's `atoi` on glibc with 64-bit long: `strtol` saturates, the cast to int wraps. */
function atoi(digits: string): number {
  const long = BigInt(digits) > LONG_MAX ? LONG_MAX : BigInt(digits);
  return Number(BigInt.asIntN(32, long));
}

function range(rule: FieldRule): string {
  return `${rule.min}-${rule.max}`;
}

function namesHint(rule: FieldRule): string {
  return rule.names === undefined
    ? ''
    : ` or a name (${rule.name === 'month' ? 'jan-dec' : 'sun-sat'})`;
}

function expectedValue(rule: FieldRule, found: string): string {
  if (found === '')
    return `${rule.label} is missing: a job line needs five time fields (minute hour day-of-month month day-of-week) and then the command`;
  if (found === '\r')
    return `the line is only a carriage return (a Windows line ending): cron reads it as a job line and refuses it; save the file with Unix (LF) line endings`;
  if (found === '~')
    return `'~' (a random value, cronie's extension) is not supported by Debian's cron; write a value, a range or '*'`;
  if (found === '?')
    return `'?' is not a cron value (it is Quartz syntax); write '*' for any ${rule.label}`;
  return `${rule.label} cannot start with '${found}'; write a number (${range(rule)})${namesHint(rule)}, a range a-b, '*', optionally with /step`;
}

function notAValue(rule: FieldRule, token: string): string {
  if (/^\d+L$/i.test(token) || /^L$/i.test(token) || /^\d+W$/i.test(token))
    return `'${token}' is not a ${rule.label}: 'L' and 'W' (last, nearest weekday) are Quartz extensions cron does not support; write a number (${range(rule)})${namesHint(rule)}`;
  if (rule.names !== undefined && /^[a-z]+$/i.test(token))
    return `'${token}' is not a ${rule.label} name; names are the first three letters (${rule.names.slice(0, rule.name === 'dow' ? 7 : 12).join(', ')})`;
  return `'${token}' is not a ${rule.label}; write a number (${range(rule)})${namesHint(rule)}`;
}

function outOfRange(rule: FieldRule, token: string, value: number): string {
  const read =
    String(value) === token.replace(/^0+(?=\d)/, '') ? '' : ` (cron reads it as ${value})`;
  return `'${token}' is out of range for ${rule.label} (${range(rule)})${read}; use a value from ${rule.min} to ${rule.max}`;
}

function wrappedNumber(rule: FieldRule, token: string, value: number): string {
  return `'${token}' overflows cron's integer and is read as ${value}; write ${value} if that is meant (${rule.label})`;
}

function ignoredText(rule: FieldRule, ignored: string, used: string): string {
  if (ignored.startsWith('~'))
    return `cron ignores '${ignored}': '~' random ranges are cronie's, Debian's cron reads this ${rule.label} as '${used}'; write the value you want`;
  if (ignored.startsWith('#') && rule.name === 'dow')
    return `cron ignores '${ignored}': the nth weekday ('5#2') is not supported, this ${rule.label} is read as '${used}' (every such day); remove '${ignored}'`;
  if (ignored === '\r')
    return `the line ends with a carriage return (a Windows line ending); cron ignores it here, but save the file with Unix (LF) line endings`;
  return `cron ignores '${ignored}' after '${used}' in ${rule.label}; remove it or fix the value`;
}

/** True when the character is one cron treats as a field separator. */
export function isBlank(character: string | undefined): boolean {
  return character !== undefined && BLANK.test(character);
}
