import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet with a strict CSP for the SPA: scripts and styles from our own
 * origin only, API calls to our own origin plus the ones listed (a relying
 * app talks to the identity app for refresh and sign-out). On plain-http
 * local origins HSTS and upgrade-insecure-requests are left out.
 */
export function securityHeaders(options: { selfOrigin: string; connectTo?: readonly string[] }): RequestHandler {
  const https = options.selfOrigin.startsWith('https:');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", ...(options.connectTo ?? [])],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
}
