/**
 * The connections of {@link RedisJobStore}: how the store opens its own (so that calls fail fast
 * while the server is down instead of queueing, and so that a database the server refuses is
 * never swapped for database 0), how it tells a lost connection from an error reply, how it
 * reports losing and regaining one without flooding the log, and how it closes one.
 */
import { JobStoreError, type Logger } from '@kairos/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * Whether an error is the server's reply refusing a `SELECT` (ioredis names the command an error
 * reply answers in its `command` property).
 */
export function isRefusedSelect(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const { command } = error as Error & { command?: { name?: unknown } };
  return command?.name === 'select';
}

/**
 * ioredis settings of the connections the store opens. While the server is unreachable a call
 * rejects at once (`enableOfflineQueue: false`) rather than waiting in a queue; a call in flight
 * when the connection drops rejects (`maxRetriesPerRequest: 0`) and is never sent again
 * (`autoResendUnfulfilledCommands: false`), since replaying a claim or an add whose first
 * attempt did reach the server would misreport it. ioredis keeps reconnecting in the background
 * (its default back-off, up to 2 s between attempts), and calls work again once it is back.
 *
 * ioredis sends `SELECT <db>` on each connection and, when the server refuses it (a database
 * it does not have, a user not allowed to SELECT), only emits an `error` event and goes on in
 * database 0. `reconnectOnError` drops such a connection as soon as the refusal arrives, before
 * it is ready for calls, so it retries instead of serving calls on the wrong database.
 */
export const OWNED_CONNECTION_OPTIONS: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  reconnectOnError: isRefusedSelect,
};

/**
 * The name (`CLIENT SETNAME`) of a connection the store opens, so `CLIENT LIST` shows whose it
 * is: `kairos:<role>:<keyPrefix>`, with characters Redis does not allow in names replaced.
 */
export function connectionName(role: 'jobs' | 'wakeups', keyPrefix: string): string {
  return `kairos:${role}:${keyPrefix}`.replace(/[^!-~]/g, '_');
}

/**
 * Opens (lazily: nothing happens until `connect()`) a connection to `url` for the store, whose
 * calls fail when the server has not answered them within `commandTimeoutMs`.
 */
export function openConnection(url: string, name: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    ...OWNED_CONNECTION_OPTIONS,
    connectionName: name,
    commandTimeout: commandTimeoutMs,
  });
}

/**
 * Connects a connection that has not connected yet (`lazyConnect`). One that is connecting or
 * reconnecting is left to ioredis: its commands queue or fail as its options say.
 * @throws the server's refusal of SELECT (see {@link isRefusedSelect}) when it refused the
 *   database, even if ioredis went on in database 0; JobStoreError when the connection was
 *   closed for good; the driver's error when it cannot be made
 */
export async function ensureConnected(client: Redis): Promise<void> {
  if (client.status === 'wait') {
    // ioredis reports a refused SELECT only as an event, before the connection is ready.
    const seen: { refusal?: Error } = {};
    const onError = (error: unknown): void => {
      if (isRefusedSelect(error)) seen.refusal ??= error;
    };
    client.on('error', onError);
    try {
      await client.connect();
    } catch (error) {
      throw seen.refusal ?? error;
    } finally {
      client.off('error', onError);
    }
    if (seen.refusal !== undefined) throw seen.refusal;
  } else if (client.status === 'end') {
    throw new JobStoreError(
      'the Redis connection was closed (quit() or disconnect()); pass an open connection',
    );
  }
}

/**
 * Logs the first error of an outage as a warning and the recovery as an info line, instead of
 * every failed reconnection attempt; `onRecovered` runs after each recovery. The server refusing
 * the database gets a warning of its own (once per outage), since reconnecting alone does not
 * fix it.
 * @returns a function that stops watching
 */
export function watchConnection(
  client: Redis,
  logger: Logger,
  name: string,
  onRecovered?: () => void,
): () => void {
  let failing = false;
  let refusalReported = false;
  const onError = (error: unknown): void => {
    if (isRefusedSelect(error)) {
      if (refusalReported) return;
      refusalReported = true;
      failing = true;
      logger.warn(
        { err: error },
        `Redis job store: ${name}: the server refused database ${client.options.db ?? 0} ` +
          `(${describe(error)}); calls fail until it accepts it, retrying in the background`,
      );
      return;
    }
    if (failing) return;
    failing = true;
    logger.warn(
      { err: error },
      `Redis job store: ${name} failed (${describe(error)}); reconnecting in the background`,
    );
  };
  const onClose = (): void => {
    if (failing) return;
    failing = true;
    logger.warn(`Redis job store: ${name} lost its connection; reconnecting in the background`);
  };
  const onReady = (): void => {
    if (!failing) return;
    failing = false;
    refusalReported = false;
    logger.info(`Redis job store: ${name} is back`);
    onRecovered?.();
  };
  client.on('error', onError);
  client.on('close', onClose);
  client.on('ready', onReady);
  return () => {
    client.off('error', onError);
    client.off('close', onClose);
    client.off('ready', onReady);
  };
}

/** An error's message, for log lines. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether ioredis failed a call because its connection dropped (not a Redis error reply). */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    error.message === 'Connection is closed.' ||
    error.message.startsWith("Stream isn't writeable")
  );
}

/** Whether an error is ioredis's for a call the server did not answer within `commandTimeout`. */
export function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/** Closes a connection the store opened: politely when it is up, at once otherwise. */
export async function closeConnection(client: Redis): Promise<void> {
  // Errors of a connection being torn down would reach no listener and crash the process.
  client.on('error', noop);
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: drop the connection.
    }
  }
  client.disconnect();
}

/** Does nothing: a listener that swallows what it is given. */
export function noop(): void {}
