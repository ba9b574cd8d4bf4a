/** The frame of every page: a skip link, the header with the scheduler and the navigation, the page. */
import { useEffect, useState } from 'preact/hooks';
import { getJson, type Meta } from './api.js';
import { LiveContext, useEventStream } from './live.js';
import { MetaContext } from './meta.js';
import { EventsPage } from './pages/events.js';
import { InFlightPage } from './pages/in-flight.js';
import { JobPage } from './pages/job.js';
import { JobsPage } from './pages/jobs.js';
import { NodesPage } from './pages/nodes.js';
import { useRoute, type Route } from './route.js';
import { ErrorNotice } from './components/notices.js';

const NAV: { page: Route['page']; href: string; label: string }[] = [
  { page: 'jobs', href: '#/', label: 'Jobs' },
  { page: 'in-flight', href: '#/in-flight', label: 'In flight' },
  { page: 'nodes', href: '#/nodes', label: 'Nodes' },
  { page: 'events', href: '#/events', label: 'Live events' },
];

/** The dashboard. */
export function App() {
  const route = useRoute();
  const live = useEventStream();
  const [meta, setMeta] = useState<Meta | null>(null);
  const [metaError, setMetaError] = useState<string | null>(null);

  // Loaded at start, and again when the scheduler starts, stops, pauses or resumes.
  const schedulerChanged = live.events.filter((event) =>
    event.name.startsWith('scheduler_'),
  ).length;
  useEffect(() => {
    getJson<Meta>('api/meta').then(
      (loaded) => {
        setMeta(loaded);
        setMetaError(null);
      },
      (error: unknown) => setMetaError((error as Error).message),
    );
  }, [schedulerChanged]);

  useEffect(() => {
    document.title = `${titleOf(route)} · Kairos`;
  }, [route]);

  const current = route.page === 'job' ? 'jobs' : route.page;
  return (
    <MetaContext.Provider value={meta}>
      <LiveContext.Provider value={live}>
        <a class="skip" href="#main" onClick={skipToMain}>
          Skip to content
        </a>
        <header class="top">
          <div class="brand">
            <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
              <circle cx="16" cy="16" r="14" class="logo-face" />
              <path d="M16 8v8l5 4" class="logo-hands" />
            </svg>
            <span>Kairos</span>
          </div>
          {meta !== null && (
            <p class="scheduler">
              <span class="muted">scheduler</span> <strong>{meta.schedulerId}</strong>{' '}
              <span class={`badge scheduler-${meta.state}`}>{meta.state}</span>
              {meta.readOnly && <span class="badge read-only">read-only</span>}
            </p>
          )}
          <nav aria-label="Pages">
            <ul>
              {NAV.map((item) => (
                <li key={item.page}>
                  <a href={item.href} aria-current={current === item.page ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </header>
        <main id="main" tabIndex={-1}>
          {metaError !== null && (
            <ErrorNotice>Could not reach the scheduler's API: {metaError}</ErrorNotice>
          )}
          <Page route={route} />
        </main>
        <footer class="muted small">
          {meta !== null && <>Kairos {meta.version} · times in each job's own zone · </>}
          <span>{live.connection === 'open' ? 'live' : 'not live'}</span>
        </footer>
      </LiveContext.Provider>
    </MetaContext.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'jobs':
      return <JobsPage />;
    case 'job':
      return <JobPage key={route.id} id={route.id} />;
    case 'in-flight':
      return <InFlightPage />;
    case 'nodes':
      return <NodesPage />;
    case 'events':
      return <EventsPage />;
    case 'unknown':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page <code>{route.hash}</code>. <a href="#/">Go to the jobs</a>.
          </p>
        </section>
      );
  }
}

function titleOf(route: Route): string {
  if (route.page === 'job') return route.id;
  return NAV.find((item) => item.page === route.page)?.label ?? 'Not found';
}

// The skip link must not change the hash (the hash is the route): move the focus instead.
function skipToMain(event: MouseEvent): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}
