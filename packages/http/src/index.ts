/**
 * @kairos/http: a JSON API over a Kairos scheduler (or a job store, through a scheduler started
 * paused over it): jobs, runs, nodes, live events and actions, safe by default, as a Fetch
 * handler with thin adapters for node:http, Express, Koa, Fastify and Hono.
 */
export { createApi } from './api.js';
export { describeTrigger, type DescribeTriggerOptions } from './describe.js';
export { HttpError, HttpOptionError } from './errors.js';
export type {
  Api,
  ApiOptions,
  BasicAuthCredentials,
  ErrorBody,
  ErrorCode,
  JobDetail,
  JobSummary,
  NodeView,
  PageProvider,
  RunView,
  SchedulerEventView,
  TrendPoint,
} from './interfaces.js';
export {
  serve,
  toNodeListener,
  type NodeListener,
  type RunningServer,
  type ServeOptions,
} from './adapters/node.js';
export {
  koaMiddleware,
  type KoaContextLike,
  type KoaMiddleware,
  type KoaMiddlewareOptions,
} from './adapters/koa.js';
export { fastifyPlugin, type FastifyInstanceLike, type FastifyPlugin } from './adapters/fastify.js';
export { honoApp } from './adapters/hono.js';
