import { describe, expect, it } from 'vitest';
import { RecordingLogger } from '../src/recording-logger.js';

describe('RecordingLogger', () => {
  it('records each call with its level, message and err', () => {
    const logger = new RecordingLogger();
    const err = new Error('boom');
    logger.info('started');
    logger.warn({ attempt: 2 }, 'retrying');
    logger.error({ err }, 'failed');
    expect(logger.entries).toEqual([
      { level: 'info', message: 'started' },
      { level: 'warn', message: 'retrying', err: undefined },
      { level: 'error', message: 'failed', err },
    ]);
    expect(logger.messages('warn')).toEqual(['retrying']);
    expect(logger.messages('debug')).toEqual([]);
  });
});
