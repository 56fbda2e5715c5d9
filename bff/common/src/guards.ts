import type { RequestHandler } from 'express';
import { HttpError } from './http-error';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for every state-changing request. Sibling subdomains are
 * same-site, so SameSite=Lax does not stop them: the Origin header must be
 * one of ours, exactly, and the body must be JSON (which a plain HTML form
 * cannot send without a CORS preflight).
 */
export function requireTrustedOrigin(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.headers.origin;
    if (req.headers['sec-fetch-site'] === 'cross-site' || origin === undefined || !allowed.has(origin)) {
      throw new HttpError('FORBIDDEN_ORIGIN', origin === undefined ? 'The Origin header is required.' : 'This origin is not one of the apps on this domain.');
    }
    // Checked on the header itself: a form post (urlencoded, multipart,
    // text/plain) never gets here, with or without a body.
    const mediaType = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') throw new HttpError('UNSUPPORTED_MEDIA_TYPE');
    next();
  };
}

/** Auth responses must never be stored by a browser or a shared cache. */
export function noStore(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    next();
  };
}
