/**
 * How keys are spelt, for the configuration dictionary and the job options alike: snake_case
 * (APScheduler's) and camelCase name the same key, flat keys carry a prefix and split at dots,
 * and an unknown key gets the nearest known one as a "did you mean" hint.
 */
import { camelCase } from '@kairos/triggers';
import { ConfigurationError } from '../errors.js';

/** The name among `allowed` (camelCase) that `written` spells, snake_case or camelCase. */
export function knownKey<K extends string>(written: string, allowed: readonly K[]): K | undefined {
  const camel = camelCase(written);
  return allowed.find((name) => name === camel);
}

/** The flat keys' prefix with its final `.` (none for the empty prefix, where all keys are flat). */
export function flatPrefixOf(prefix: string): string {
  return prefix === '' || prefix.endsWith('.') ? prefix : `${prefix}.`;
}

/**
 * A flat key's parts below the prefix: `kairos.job_defaults.coalesce` → `['job_defaults',
 * 'coalesce']`.
 * @throws ConfigurationError when a part is empty
 */
export function splitFlatKey(key: string, flatPrefix: string): [string, ...string[]] {
  const [first = '', ...rest] = key.slice(flatPrefix.length).split('.');
  if (first === '' || rest.includes('')) {
    throw new ConfigurationError(
      key,
      `has an empty part; flat keys look like '${flatPrefix}job_defaults.coalesce'`,
    );
  }
  return [first, ...rest];
}

/**
 * Whether a value holds keys to read: specs and containers are plain objects, while class
 * instances (stores, loggers, clocks) are values in their own right.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
