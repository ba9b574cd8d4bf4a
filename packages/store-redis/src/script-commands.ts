/**
 * Lua scripts as commands of an ioredis connection: registered with `defineCommand` (sent by
 * SHA after the first call, falling back to EVAL once after a script cache flush), and the
 * error for a reply that is not what the script returns.
 */
import { JobStoreError } from '@kairos/core';
import type { Redis } from 'ioredis';

/** A script call: keys, then arguments; an array argument is sent as its elements (ioredis flattens it). */
export type ScriptCommand = (...args: (string | number | string[])[]) => Promise<unknown>;

/**
 * Registers a script on the connection under `name` and returns its command, which takes
 * `numberOfKeys` keys before its arguments.
 */
export function define(
  client: Redis,
  name: string,
  lua: string,
  numberOfKeys = 2,
  readOnly = false,
): ScriptCommand {
  client.defineCommand(name, { numberOfKeys, lua, readOnly });
  const command = (client as unknown as Record<string, unknown>)[name];
  if (typeof command !== 'function') {
    throw new JobStoreError(
      `Redis job store: ioredis did not define the script command '${name}' on the ` +
        `connection; use an ioredis version that supports defineCommand (ioredis 5)`,
    );
  }
  return (...args) => (command as ScriptCommand).apply(client, args);
}

/** A script's reply was not the array it returns: something else answered under its name. */
export function unexpectedReply(command: string, reply: unknown): JobStoreError {
  return new JobStoreError(
    `Redis job store: the script command '${command}' replied ${String(reply)}, not a list; ` +
      `check that the connection talks to a Redis server (6.2 or later) and that nothing ` +
      `else defines a command of that name on it`,
  );
}
