/** The scheduler's events as they happen (Server-Sent Events), newest first. */
import { useContext } from 'preact/hooks';
import { OutcomeBadge } from '../components/badges.js';
import { absolute, duration } from '../format.js';
import { LiveContext } from '../live.js';
import { MetaContext } from '../meta.js';
import { jobHref } from '../route.js';

/** The live log of events since the page was opened. */
export function EventsPage() {
  const { events, connection, tick } = useContext(LiveContext);
  const meta = useContext(MetaContext);
  const zone = meta?.timezone ?? 'UTC';
  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Live events</h1>
      <p class="muted">
        <span class={`dot ${connection}`} aria-hidden="true" />
        {connection === 'open'
          ? 'Connected: events appear as they happen.'
          : connection === 'connecting'
            ? 'Connecting…'
            : 'Disconnected. Reload the page to reconnect.'}
      </p>
      {meta?.state === 'paused' && (
        <p class="notice">
          This dashboard's scheduler is paused (as <code>kairos dashboard --store</code> opens a
          store): it runs only what <strong>Run now</strong> starts here, so the runs of the store's
          other schedulers do not appear below. Each job's page shows its history from the store,
          and <a href="#/in-flight">In flight</a> the runs in progress on every scheduler.
        </p>
      )}
      {/* The live region wraps the list: a role on the <ol> itself would hide its items' list semantics. */}
      <div role="log" aria-live="polite" aria-label="Scheduler events, newest first">
        <ol class="events">
          {events.length === 0 && <li class="muted">No events since the page was opened.</li>}
          {events.map((event, index) => (
            <li key={tick - index}>
              <time dateTime={event.at} class="small muted">
                {absolute(event.at, zone)}
              </time>
              <code class="event-name">{event.name}</code>
              {event.jobId !== undefined && (
                <a href={jobHref(event.jobId)}>{event.run?.jobName ?? event.jobId}</a>
              )}
              {event.run !== undefined && event.run.outcome !== null && (
                <>
                  <OutcomeBadge outcome={event.run.outcome} />
                  <span class="small muted">{duration(event.run.durationMs)}</span>
                </>
              )}
              {event.error !== undefined && (
                <span class="error-text small">
                  {event.error.name}: {event.error.message}
                </span>
              )}
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
