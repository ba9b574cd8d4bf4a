/**
 * The scheduler's listeners: masks of event codes, Node-style names, `'error'` listeners for
 * failures the scheduler survived, and dispatch that logs a failing listener and moves on.
 */
import { show } from '@kairos/triggers';
import { ConfigurationError } from './errors.js';
import {
  EVENT_ALL,
  EVENT_NAMES,
  eventCodeOf,
  type AnySchedulerEvent,
  type EventCode,
  type EventListener,
  type SchedulerErrorEvent,
} from './events.js';
import type { Log } from './logger.js';
import { isPromiseLike } from './thenable.js';

interface Listener {
  readonly fn: EventListener;
  readonly mask: number;
}

/** A listener of `'error'`. */
export type ErrorListener = (event: SchedulerErrorEvent) => unknown;

/** @internal The listener table of one scheduler. */
export class Listeners {
  #listeners: readonly Listener[] = [];
  /** The union of every listener's mask: events no one selects are never built. */
  #mask = 0;
  readonly #errorListeners = new Set<ErrorListener>();
  readonly #log: () => Log;

  /** @param log the scheduler's current log (it may be reconfigured) */
  constructor(log: () => Log) {
    this.#log = log;
  }

  /** @throws ConfigurationError when `listener` is not a function or `mask` selects no event */
  add(listener: EventListener, mask: number): void {
    checkListener(listener, 'addListener');
    if (!Number.isInteger(mask) || mask <= 0 || (mask & ~EVENT_ALL) !== 0) {
      throw new ConfigurationError(
        'addListener: mask',
        `${show(mask)} is not a mask of event codes; combine EVENT_* constants with |, e.g. ` +
          `EVENT_JOB_EXECUTED | EVENT_JOB_ERROR, or leave it out for every event (EVENT_ALL)`,
      );
    }
    this.#listeners = [...this.#listeners, { fn: listener, mask }];
    this.#mask |= mask;
  }

  remove(listener: EventListener): void {
    this.#listeners = this.#listeners.filter((entry) => entry.fn !== listener);
    this.#mask = this.#listeners.reduce((mask, entry) => mask | entry.mask, 0);
  }

  /** @throws ConfigurationError when `listener` is not a function */
  addErrorListener(listener: ErrorListener): void {
    checkListener(listener, "on('error')");
    this.#errorListeners.add(listener);
  }

  removeErrorListener(listener: ErrorListener): void {
    this.#errorListeners.delete(listener);
  }

  /** Whether some listener selects this code. */
  isListening(code: EventCode): boolean {
    return (this.#mask & code) !== 0;
  }

  /** Builds and dispatches an event, only when some listener selects its code. */
  emit(code: EventCode, make: () => AnySchedulerEvent): void {
    if ((this.#mask & code) !== 0) this.dispatch(make());
  }

  /** Calls every listener whose mask selects the event; a throw or rejection is logged. */
  dispatch(event: AnySchedulerEvent): void {
    for (const listener of this.#listeners) {
      if ((listener.mask & event.code) === 0) continue;
      try {
        const result = listener.fn(event);
        if (isPromiseLike(result)) {
          result.then(undefined, (error: unknown) => this.#listenerFailed(event, error));
        }
      } catch (error) {
        this.#listenerFailed(event, error);
      }
    }
  }

  /** Tells the `'error'` listeners about a failure the scheduler caught. */
  reportError(
    source: SchedulerErrorEvent['source'],
    alias: string | null,
    error: unknown,
    action: string,
  ): void {
    const event: SchedulerErrorEvent = { source, alias, error, action };
    for (const listener of this.#errorListeners) {
      try {
        const result = listener(event);
        if (isPromiseLike(result)) {
          result.then(undefined, (failure: unknown) =>
            this.#log().error('Error in an error listener', failure),
          );
        }
      } catch (failure) {
        this.#log().error('Error in an error listener', failure);
      }
    }
  }

  #listenerFailed(event: AnySchedulerEvent, error: unknown): void {
    this.#log().error(`Error notifying listener of ${event.name}`, error);
    this.reportError('listener', null, error, `notifying a listener of ${event.name}`);
  }
}

/** Refuses a listener that is not a function, where it is added rather than at every event. */
function checkListener(listener: unknown, call: string): void {
  if (typeof listener !== 'function') {
    throw new ConfigurationError(
      `${call}: listener`,
      `${show(listener)} is not a function; pass (event) => { … }`,
    );
  }
}

/**
 * The code of an event name.
 * @throws ConfigurationError listing the names
 */
export function eventCodeByName(name: string): EventCode {
  const code = eventCodeOf(name);
  if (code === undefined) {
    throw new ConfigurationError(
      'event',
      `${show(name)} is not an event name; use one of ${Object.values(EVENT_NAMES).join(', ')} or 'error'`,
    );
  }
  return code;
}
