/**
 * @sso/session: the one place that knows the domain token and its cookie.
 * Reads no environment variables; every app passes its own options.
 */
export * from './errors';
export * from './claims';
export * from './token';
export * from './keys';
export { KEY_FILE_NAME } from './key-file';
export * from './jwks-client';
export * from './cookie';
export * from './express';
export * from './revocation-feed';
export * from './relying-party';
export * from './atomic-write';
