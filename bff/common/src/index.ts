/**
 * @sso/bff-common: what both BFFs share around their routes: problem+json
 * errors, request guards, logging, security headers, SPA serving, atomic JSON
 * and Postgres stores, env parsing and the domain configuration. It issues,
 * verifies and reads no token or cookie: that stays in @sso/session. The
 * domain configuration does check cookie settings at start-up: it builds an
 * @sso/session cookie controller and HS256 secret to refuse bad values early,
 * and `diagnoseCookieDomain` checks that browsers will accept SSO_COOKIE_DOMAIN
 * for the app origins.
 */
export * from './http-error';
export * from './error-handler';
export * from './validate';
export * from './guards';
export * from './json-store';
export * from './data-dir';
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
export * from './metrics';
export * from './lowdb-import';
