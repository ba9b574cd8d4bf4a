/**
 * Hash routing: `#/` jobs, `#/jobs/<id>` one job, `#/in-flight`, `#/nodes`, `#/events`. The hash
 * keeps every page a plain link that works under any mount path and survives a reload.
 */
import { useEffect, useState } from 'preact/hooks';

/** Where the page is. */
export type Route =
  | { page: 'jobs' }
  | { page: 'job'; id: string }
  | { page: 'in-flight' }
  | { page: 'nodes' }
  | { page: 'events' }
  | { page: 'unknown'; hash: string };

/** The route of a location hash. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/') return { page: 'jobs' };
  const job = /^\/jobs\/(.+)$/.exec(path);
  if (job?.[1] !== undefined) {
    try {
      return { page: 'job', id: decodeURIComponent(job[1]) };
    } catch {
      return { page: 'unknown', hash };
    }
  }
  if (path === '/in-flight') return { page: 'in-flight' };
  if (path === '/nodes') return { page: 'nodes' };
  if (path === '/events') return { page: 'events' };
  return { page: 'unknown', hash };
}

/** The link to a job's page. */
export function jobHref(id: string): string {
  return `#/jobs/${encodeURIComponent(id)}`;
}

/** The current route, updated on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
