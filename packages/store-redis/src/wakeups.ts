/**
 * Wake-ups across processes: stores sharing a key prefix announce on `<prefix>wakeup` each job
 * they add or update with a next run time, and each store listens there on a connection of its
 * own (a connection in subscriber mode cannot run other commands) and wakes its scheduler.
 */
import { decodeWakeup, type JobStoreContext } from '@kairos/core';
import type { Redis } from 'ioredis';
import { describe, ensureConnected, noop, watchConnection } from './connection.js';

/**
 * Listens on the wake-up channel on its own connection and calls `context.wakeup(nextRunTime)`
 * for messages of other stores. After the connection was lost and comes back, it subscribes
 * again and calls `context.wakeup()` once, since messages published meanwhile were missed.
 * Errors are logged, never thrown out of event handlers.
 */
export class WakeupListener {
  readonly #connection: Redis;
  readonly #channel: string;
  readonly #instanceId: string;
  readonly #context: JobStoreContext;
  #unwatch: (() => void) | null = null;
  #stopped = false;

  /**
   * @param connection a connection of its own (not connected yet, or connected), which the
   *   listener closes in {@link stop}
   */
  constructor(connection: Redis, channel: string, instanceId: string, context: JobStoreContext) {
    this.#connection = connection;
    this.#channel = channel;
    this.#instanceId = instanceId;
    this.#context = context;
  }

  /** Connects and subscribes; rejects when that fails. */
  async start(): Promise<void> {
    this.#connection.on('message', this.#onMessage);
    this.#unwatch = watchConnection(
      this.#connection,
      this.#context.logger,
      'the wake-up subscription',
      () => this.#resubscribe(),
    );
    await ensureConnected(this.#connection);
    await this.#connection.subscribe(this.#channel);
  }

  /** Closes the connection, which ends the subscription. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    this.#unwatch = null;
    this.#connection.off('message', this.#onMessage);
    // Errors of a connection being torn down would reach no listener and crash the process.
    this.#connection.on('error', noop);
    this.#connection.disconnect();
    return Promise.resolve();
  }

  #resubscribe(): void {
    if (this.#stopped) return;
    this.#connection.subscribe(this.#channel).then(
      () => {
        if (!this.#stopped) this.#wake(undefined);
      },
      (error: unknown) => {
        // Stopped meanwhile: nothing to report. Otherwise the next reconnection tries again.
        if (this.#stopped) return;
        this.#context.logger.warn(
          { err: error },
          `Redis job store: subscribing to '${this.#channel}' again failed (${describe(error)})`,
        );
      },
    );
  }

  readonly #onMessage = (channel: string, text: string): void => {
    if (channel !== this.#channel) return;
    const message = decodeWakeup(text);
    if (message === null) {
      this.#context.logger.warn(
        `Redis job store: ignored a message on '${channel}' that is not a JSON object: ` +
          text.slice(0, 200),
      );
      return;
    }
    if (message.from === this.#instanceId) return;
    this.#wake(message.nextRunTime ?? undefined);
  };

  /** Wakes the scheduler; an error there is logged, never thrown into ioredis' event handlers. */
  #wake(nextRunTime: number | undefined): void {
    try {
      this.#context.wakeup(nextRunTime);
    } catch (error) {
      this.#context.logger.warn(
        { err: error },
        `Redis job store: waking the scheduler failed (${describe(error)})`,
      );
    }
  }
}
