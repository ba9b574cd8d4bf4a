/**
 * `GET api/events`: the scheduler's events as Server-Sent Events, one `event: <name>` with a
 * JSON `data:` line each, and a `: ping` comment every `pingIntervalSeconds` (on the
 * scheduler's clock) so proxies keep the connection open. The listener and the ping timer go
 * away when the client does. `HEAD` gets the headers and no stream. Without `showArgs`, each event's job is looked up to mask its run
 * as the runs routes do.
 */
import type { AnySchedulerEvent, ClockTimer } from 'kairos';
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ApiEnv, ApiSettings } from '../context.js';
import { emptyQuery, parseInput } from '../validation.js';
import { eventMask } from '../masking.js';
import { eventView, maskEventView, reportedRun } from '../views.js';

/** The headers of the event stream, as `streamSSE` sets them. */
const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
};

/** Event streams open now, per scheduler (for tests and shutdown checks). */
const openStreams = new WeakMap<object, number>();

/** @internal How many event streams of this scheduler are open. */
export function openStreamCount(scheduler: object): number {
  return openStreams.get(scheduler) ?? 0;
}

/** Adds the event stream route to the api's app. */
export function addEventRoutes(app: Hono<ApiEnv>, settings: ApiSettings): void {
  const { scheduler } = settings;
  app.get('/api/events', (c) => {
    parseInput(emptyQuery, c.req.query(), 'query parameter');
    // HEAD (which Hono routes here): the headers alone. A stream opened for it would never be
    // read nor aborted, and would keep its listener and timer for good.
    if (c.req.method === 'HEAD') return c.body(null, 200, SSE_HEADERS);
    return streamSSE(c, async (stream) => {
      // Writes are chained so that events keep their order.
      let writing: Promise<unknown> = Promise.resolve();
      const send = (write: () => Promise<unknown>): void => {
        writing = writing.then(write).catch(() => undefined);
      };
      const listener = (event: AnySchedulerEvent): void => {
        // The view is taken now (its run changes later); its job is looked up meanwhile, when it
        // shows a run or an error that may name it.
        const view = eventView(event, scheduler.clock.now(), settings.showArgs);
        const masking =
          view.run === undefined && view.error === undefined
            ? null
            : eventMask(scheduler, event, reportedRun(event), settings.showArgs);
        send(async () => {
          const masked = masking === null ? view : maskEventView(view, await masking);
          await stream.writeSSE({ event: masked.name, data: JSON.stringify(masked) });
        });
      };
      let timer: ClockTimer | null = null;
      let done = false;
      const ping = (): void => {
        if (done) return;
        send(() => stream.write(': ping\n\n'));
        timer = scheduler.clock.setTimer(ping, settings.pingIntervalMs);
        timer.unref();
      };
      const closed = new Promise<void>((resolve) => {
        stream.onAbort(resolve);
        c.req.raw.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      scheduler.addListener(listener);
      openStreams.set(scheduler, openStreamCount(scheduler) + 1);
      try {
        // A first comment, so that the client sees the stream open at once.
        send(() => stream.write(': connected\n\n'));
        timer = scheduler.clock.setTimer(ping, settings.pingIntervalMs);
        timer.unref();
        await closed;
      } finally {
        done = true;
        scheduler.removeListener(listener);
        timer?.cancel();
        openStreams.set(scheduler, openStreamCount(scheduler) - 1);
      }
    });
  });
}
