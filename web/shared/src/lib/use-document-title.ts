import { useEffect } from 'react';

/** Every page names itself: "Sign in · Identity". */
export function useDocumentTitle(page: string, appName: string): void {
  useEffect(() => {
    document.title = `${page} · ${appName}`;
  }, [page, appName]);
}
