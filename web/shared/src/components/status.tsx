import type { ReactNode } from 'react';

/** A polite live region: loading and progress messages. */
export function Loading({ label }: { label: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** An assertive alert: errors the user must notice. Rendered empty so announcements are reliable. */
export function Alert({ children, tone = 'error' }: { children?: ReactNode; tone?: 'error' | 'info' | 'success' }) {
  return (
    <div className={children ? `alert alert--${tone}` : 'alert alert--empty'} role={tone === 'error' ? 'alert' : 'status'} aria-live={tone === 'error' ? 'assertive' : 'polite'}>
      {children}
    </div>
  );
}

/** A lazy route's place in the shell while its code loads (`onDemand`'s Suspense fallback, ADR 031). */
export function RouteLoading() {
  return (
    <main id="main" className="page">
      <Loading label="Loading…" />
    </main>
  );
}
