/** @sso/web-shared: what both SPAs share. */
export * from './lib/api-error';
export * from './lib/api-client';
export * from './lib/client-config';
export * from './lib/session-api';
export * from './lib/navigation';
export * from './lib/query-client';
export * from './lib/use-document-title';
export * from './lib/form-errors';
export * from './components/app-header';
export * from './components/field';
export * from './components/status';
export * from './components/page';
export * from './lib/describe-error';
export * from './lib/use-focus-first-error';
export * from './lib/format';
export * from './lib/use-form';
export * from './components/app-shell';
