/** What a page shows while its data loads, and when it could not be loaded. */
import type { ComponentChildren } from 'preact';

/** An error, announced to screen readers as it appears. */
export function ErrorNotice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice error" role="alert">
      {children}
    </p>
  );
}

/** The line a page shows until its first data arrives. */
export function Loading() {
  return <p class="muted">Loading…</p>;
}
