import type { ReactNode } from 'react';
import { useDocumentTitle } from '../lib/use-document-title';

/** A page's main region with its title (also the document title). */
export function Page({ title, appName, children, narrow = false }: { title: string; appName: string; children: ReactNode; narrow?: boolean }) {
  useDocumentTitle(title, appName);
  return (
    <main id="main" className={narrow ? 'page page--narrow' : 'page'}>
      {children}
    </main>
  );
}
