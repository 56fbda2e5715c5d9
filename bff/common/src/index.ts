/** @sso/bff-common: HTTP plumbing shared by the BFFs (never token or cookie logic). */
export * from './http-error';
export * from './error-handler';
export * from './validate';
export * from './guards';
export * from './json-store';
export * from './env';
export * from './logger';
export * from './spa';
export * from './security-headers';
export * from './domain-config';
export * from './server';
export * from './cookie-doctor';
export * from './health';
export * from './request-context';
export * from './store-config';
export * from './postgres';
export * from './base-app';
