import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { CLIENT_CONFIG_ELEMENT_ID, type ClientConfig } from '@sso/types';
import { HttpError } from './http-error';

const PLACEHOLDER = '<!--sso-client-config-->';

/**
 * Serves a built SPA: hashed assets with long caching, and index.html (with
 * the runtime config injected as inert JSON) for every other GET, so client
 * routes survive a reload. If the SPA was never built, says how to build it.
 */
export function serveSpa(options: { dir: string; clientConfig: ClientConfig }): Router {
  const router = express.Router();
  const indexFile = path.join(options.dir, 'index.html');

  if (!existsSync(indexFile)) {
    router.get('/{*path}', (req, res, next) => {
      if (!isPagePath(req.path)) return next();
      res
        .status(503)
        .type('text/plain')
        .send(`This app's web UI has not been built (${indexFile} is missing).\nRun "npm run build" (or "npm start", which builds first), then reload.\n`);
    });
    router.use(notFound);
    return router;
  }

  // JSON inside <script type="application/json"> is inert under any CSP; "<"
  // is escaped so no value can close the element.
  const json = JSON.stringify(options.clientConfig).replaceAll('<', '\\u003c');
  const html = readFileSync(indexFile, 'utf8').replace(
    PLACEHOLDER,
    `<script type="application/json" id="${CLIENT_CONFIG_ELEMENT_ID}">${json}</script>`,
  );

  // Static files only: API answers stay uncompressed (small, and never mixed
  // with attacker-chosen text next to secrets, the BREACH pattern).
  router.use(compression());
  const assets = express.static(path.join(options.dir, 'assets'), { immutable: true, maxAge: '1y', index: false, redirect: false, fallthrough: false });
  // Other methods fall through to the 404 below instead of serve-static's empty 405.
  const assetsOnRead: RequestHandler = (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? assets(req, res, next) : next());
  router.use('/assets', assetsOnRead, noSuchAsset);
  router.use(express.static(options.dir, { index: false, maxAge: '1h' }));
  router.get('/{*path}', (req, res, next) => {
    if (!isPagePath(req.path)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  router.use(notFound);
  return router;
}

/** Paths the server owns (or that monitoring tools probe): never a page of the SPA, whatever is mounted. */
const SERVER_PATHS = /^\/(?:api|metrics|healthz|readyz)(?:\/|$)/;

/**
 * Whether a GET of this path may be answered with the SPA's index.html (a
 * client route, reloaded). Not: a segment starting with a dot
 * (`/.well-known/anything`, `/.env`) or a server path (`/metrics` when metrics
 * are off or served elsewhere, ADR 035). Those answer 404, so a scraper or a
 * client probing `/.well-known/openid-configuration` never gets a 200 HTML
 * page. (Other missing file names, `/favicon.ico` included, keep the page:
 * the browser asks for a favicon on every visit, and a 404 there is a
 * console error on every page.)
 */
export function isPagePath(pathname: string): boolean {
  if (SERVER_PATHS.test(pathname)) return false;
  return !pathname.split('/').some((segment) => segment.startsWith('.'));
}

/**
 * send refuses an asset path that does not percent-decode or holds a NUL
 * (400), climbs out or names a dotfile (403), or is missing (404): every one
 * names no asset, so every one is a plain 404 problem, not an error.
 */
const noSuchAsset: ErrorRequestHandler = (err: { status?: unknown }, _req, _res, next) => {
  next(err.status === 400 || err.status === 403 || err.status === 404 ? new HttpError('NOT_FOUND') : err);
};

/** Any other method on a page path: a problem document, not Express's HTML page. */
const notFound: RequestHandler = () => {
  throw new HttpError('NOT_FOUND');
};
