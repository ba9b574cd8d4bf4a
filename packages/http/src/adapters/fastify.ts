/**
 * The api as a Fastify plugin, registered under a prefix. Fastify is not a dependency: the
 * plugin needs only the instance's `prefix`, its content-type parser methods and `all`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Api } from '../interfaces.js';
import { nodeListener } from './node.js';

/** What the plugin uses of a Fastify instance. */
export interface FastifyInstanceLike {
  /** The prefix the plugin was registered with, e.g. `/kairos` (the api's mount path). */
  readonly prefix: string;
  /** Drops the body parsers of the plugin's own context, so that bodies reach the api unread. */
  removeAllContentTypeParsers(): void;
  /** Adds a body parser for a content type (`*`: any); the plugin's leaves the body unread. */
  addContentTypeParser(
    contentType: string,
    parser: (
      request: unknown,
      payload: unknown,
      done: (error: Error | null, body?: unknown) => void,
    ) => void,
  ): void;
  /** Routes every method of `path` (under `prefix`) to a handler that takes over the reply. */
  all(
    path: string,
    handler: (
      request: { raw: IncomingMessage },
      reply: { raw: ServerResponse; hijack(): void },
    ) => Promise<void>,
  ): unknown;
}

/** A Fastify plugin function. */
export type FastifyPlugin = (instance: FastifyInstanceLike, options: unknown) => Promise<void>;

/**
 * The api as a Fastify plugin: register it with a prefix (`app.register(fastifyPlugin(api),
 * { prefix: '/kairos' })`). Inside its own (encapsulated) context it replaces Fastify's body
 * parsers with one that leaves the body unread, so the api reads the body of an action itself;
 * the rest of the application keeps its parsers.
 */
export function fastifyPlugin(api: Api): FastifyPlugin {
  return (instance) => {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const prefix = instance.prefix.replace(/\/+$/, '');
    const listener = nodeListener(api, () => ({ path: prefix, inUrl: true }));
    const handler = async (
      request: { raw: IncomingMessage },
      reply: { raw: ServerResponse; hijack(): void },
    ): Promise<void> => {
      reply.hijack();
      await listener(request.raw, reply.raw);
    };
    instance.all('/', handler);
    instance.all('/*', handler);
    return Promise.resolve();
  };
}
