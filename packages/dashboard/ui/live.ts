/**
 * Live data: the scheduler's events over Server-Sent Events (`api/events`), kept for the events
 * page and used as a signal for the other pages to reload what they show.
 */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { getJson, type SchedulerEventView } from './api.js';

/** What the event stream gives the pages. */
export interface Live {
  /** The newest events first, at most {@link KEEP_EVENTS}. */
  events: SchedulerEventView[];
  /** Whether the stream is open. */
  connection: 'connecting' | 'open' | 'closed';
  /** Counts the events received: a page reloads its data when it changes. */
  tick: number;
}

const KEEP_EVENTS = 200;

/** The event stream's state, shared by every page. */
export const LiveContext = createContext<Live>({ events: [], connection: 'connecting', tick: 0 });

/** Opens `api/events` for the lifetime of the page. */
export function useEventStream(): Live {
  const [live, setLive] = useState<Live>({ events: [], connection: 'connecting', tick: 0 });
  useEffect(() => {
    const source = new EventSource('api/events');
    const onEvent = (message: MessageEvent<string>): void => {
      let event: SchedulerEventView;
      try {
        event = JSON.parse(message.data) as SchedulerEventView;
      } catch {
        return;
      }
      setLive((previous) => ({
        events: [event, ...previous.events].slice(0, KEEP_EVENTS),
        connection: 'open',
        tick: previous.tick + 1,
      }));
    };
    // The API names each event (`event: job_executed`); listen to the names it may send.
    for (const name of EVENT_NAMES) source.addEventListener(name, onEvent);
    source.onmessage = onEvent;
    source.onopen = () => setLive((previous) => ({ ...previous, connection: 'open' }));
    source.onerror = () =>
      setLive((previous) => ({
        ...previous,
        connection: source.readyState === EventSource.CLOSED ? 'closed' : 'connecting',
      }));
    return () => source.close();
  }, []);
  return live;
}

/** The scheduler's event names (core's `EVENT_NAMES`: APScheduler's, snake_case, and Kairos's two). */
export const EVENT_NAMES = [
  'scheduler_started',
  'scheduler_shutdown',
  'scheduler_paused',
  'scheduler_resumed',
  'executor_added',
  'executor_removed',
  'jobstore_added',
  'jobstore_removed',
  'all_jobs_removed',
  'job_added',
  'job_removed',
  'job_modified',
  'job_executed',
  'job_error',
  'job_missed',
  'job_submitted',
  'job_max_instances',
  'job_unrestorable',
  'job_abandoned',
];

/** A GET of the API, reloaded on scheduler events, every `everyMs` and on demand. */
export interface Resource<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/** Loads `path` (null: nothing to load) and keeps it fresh. */
export function useResource<T>(path: string | null, everyMs = 15_000): Resource<T> {
  const { tick } = useContext(LiveContext);
  const [state, setState] = useState<{ data: T | null; error: string | null; path: string | null }>(
    { data: null, error: null, path },
  );
  const generation = useRef(0);

  const reload = useCallback(() => {
    if (path === null) return;
    const mine = ++generation.current;
    getJson<T>(path).then(
      (data) => {
        if (mine === generation.current) setState({ data, error: null, path });
      },
      (error: unknown) => {
        if (mine === generation.current)
          setState((previous) => ({ ...previous, error: String((error as Error).message), path }));
      },
    );
  }, [path]);

  useEffect(() => {
    reload();
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [reload, everyMs]);

  // Events come in bursts (submitted, executed): reload once the burst is over.
  useEffect(() => {
    if (tick === 0) return undefined;
    const timer = setTimeout(reload, 250);
    return () => clearTimeout(timer);
  }, [tick, reload]);

  // While another path loads (the filter changed), the last data stays on screen.
  return { data: state.data, error: state.path === path ? state.error : null, reload };
}

/** The current time, refreshed every `everyMs`, for relative times. */
export function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
