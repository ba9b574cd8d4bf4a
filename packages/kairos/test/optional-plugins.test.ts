import { describe, expect, it } from 'vitest';
import {
  BackgroundScheduler,
  ConfigurationError,
  CronTrigger,
  OPTIONAL_EXECUTORS,
  OPTIONAL_JOBSTORES,
  defaultRegistry,
} from '../src/index.js';

describe('kairos', () => {
  it('re-exports the core and the triggers', () => {
    expect(typeof BackgroundScheduler).toBe('function');
    expect(typeof CronTrigger).toBe('function');
  });

  it('registers every built-in alias', () => {
    expect(defaultRegistry.aliases('jobstore').sort()).toEqual(
      ['memory', ...Object.keys(OPTIONAL_JOBSTORES)].sort(),
    );
    expect(defaultRegistry.aliases('executor').sort()).toEqual(
      ['async', ...Object.keys(OPTIONAL_EXECUTORS)].sort(),
    );
  });

  it.each(Object.entries({ ...OPTIONAL_JOBSTORES }))(
    'a configuration naming the %s job store without its package says what to install',
    (alias, packageName) => {
      const build = (): BackgroundScheduler =>
        new BackgroundScheduler({ [`kairos.jobstores.default`]: { type: alias } });
      expect(build).toThrow(ConfigurationError);
      expect(build).toThrow(
        `kairos.jobstores.default: type '${alias}' needs ${packageName}, which is not installed; ` +
          `install it with 'npm install ${packageName}'`,
      );
    },
  );

  it('a configuration naming the worker executor without its package says what to install', () => {
    expect(() => new BackgroundScheduler({ executors: { cpu: { type: 'worker' } } })).toThrow(
      `needs @kairos/executor-worker, which is not installed`,
    );
  });
});
