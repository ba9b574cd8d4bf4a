/**
 * Wake-ups between processes sharing a store: writers NOTIFY a channel with the job's next run
 * time, every store LISTENs on it on a connection of its own, which comes back by itself when
 * the server drops it.
 */
import { decodeWakeup, type Logger } from '@kairos/core';
import type { Client, Notification } from 'pg';
import { quoteIdentifier } from './names.js';

/** First wait before reconnecting a lost LISTEN connection; it doubles per failed attempt. */
export const RECONNECT_MIN_MS = 1000;
/** Longest wait between two reconnection attempts. */
export const RECONNECT_MAX_MS = 10_000;

/** What a {@link NotificationListener} needs. */
export interface ListenerSetup {
  /** A new, unconnected client for the LISTEN connection (not one from the pool). */
  readonly createClient: () => Client;
  /** The channel, unquoted. */
  readonly channel: string;
  /** The id in payloads this store sent itself, which it ignores. */
  readonly instanceId: string;
  readonly logger: Logger;
  /** Called with the announced next run time, or without one after a reconnection. */
  readonly wakeup: (nextRunTime?: number) => void;
  /** Names the store in log lines. */
  readonly description: string;
}

/**
 * Holds one LISTEN connection. When the connection fails it logs a warning and reconnects
 * after 1 s, doubling the wait per failed attempt up to 10 s, until {@link stop}; after it is
 * back it wakes the scheduler once, since notifications sent meanwhile are lost.
 */
export class NotificationListener {
  readonly #setup: ListenerSetup;
  #client: Client | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  #failedAttempts = 0;

  constructor(setup: ListenerSetup) {
    this.#setup = setup;
  }

  /**
   * Connects and listens.
   * @throws what connecting threw; the listener is then stopped
   */
  async start(): Promise<void> {
    this.#running = true;
    this.#failedAttempts = 0;
    try {
      await this.#connect();
    } catch (error) {
      this.#running = false;
      throw error;
    }
  }

  /** Closes the connection and cancels any pending reconnection. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const client = this.#client;
    this.#client = null;
    if (client !== null) await endQuietly(client);
  }

  async #connect(): Promise<void> {
    const client = this.#setup.createClient();
    // Registered before connecting: an 'error' event without a listener would crash the process.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', (message) => this.#notified(message));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.#setup.channel)}`);
    } catch (error) {
      await endQuietly(client);
      throw error;
    }
    if (!this.#running) {
      // stop() came while connecting.
      await endQuietly(client);
      return;
    }
    this.#client = client;
  }

  #lost(client: Client, error: Error | undefined): void {
    // Events of a connection already replaced or being closed, or of one still connecting
    // (its connect() rejects instead), need nothing.
    if (client !== this.#client) return;
    this.#client = null;
    void endQuietly(client);
    if (!this.#running) return;
    this.#setup.logger.warn(
      { err: error },
      `${this.#setup.description}: the LISTEN connection was lost` +
        (error === undefined ? '' : ` (${error.message})`) +
        `; reconnecting in ${this.#delayMs() / 1000} s`,
    );
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#reconnect();
    }, this.#delayMs());
    // Reconnecting alone should not keep the process alive.
    this.#timer.unref();
  }

  async #reconnect(): Promise<void> {
    if (!this.#running) return;
    try {
      await this.#connect();
    } catch (error) {
      this.#failedAttempts += 1;
      if (!this.#running) return;
      this.#setup.logger.warn(
        { err: error },
        `${this.#setup.description}: reconnecting the LISTEN connection failed ` +
          `(${error instanceof Error ? error.message : String(error)}); ` +
          `retrying in ${this.#delayMs() / 1000} s`,
      );
      this.#scheduleReconnect();
      return;
    }
    if (!this.#running) return;
    this.#failedAttempts = 0;
    this.#setup.logger.info(`${this.#setup.description}: the LISTEN connection is back`);
    // Notifications sent while it was down are lost: look at the store again.
    this.#setup.wakeup();
  }

  #delayMs(): number {
    return Math.min(RECONNECT_MIN_MS * 2 ** this.#failedAttempts, RECONNECT_MAX_MS);
  }

  #notified(message: Notification): void {
    if (message.channel !== this.#setup.channel) return;
    const wakeup = decodeWakeup(message.payload);
    if (wakeup !== null && wakeup.from === this.#setup.instanceId) return;
    // Without a run time (someone else notified the channel) the jobs may still have changed.
    this.#setup.wakeup(wakeup?.nextRunTime ?? undefined);
  }
}

/** Closes a client, ignoring the errors of one that is already broken or closed. */
async function endQuietly(client: Client): Promise<void> {
  try {
    await client.end();
  } catch {
    // Already closed: nothing left to release.
  }
}
