import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, { type Router } from 'express';
import { CLIENT_CONFIG_ELEMENT_ID, type ClientConfig } from '@sso/types';

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
    router.get('/{*path}', (_req, res) => {
      res
        .status(503)
        .type('text/plain')
        .send(`This app's web UI has not been built (${indexFile} is missing).\nRun "npm run build" (or "npm start", which builds first), then reload.\n`);
    });
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
  router.use(
    '/assets',
    express.static(path.join(options.dir, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }),
  );
  router.use(express.static(options.dir, { index: false, maxAge: '1h' }));
  router.get('/{*path}', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  return router;
}
