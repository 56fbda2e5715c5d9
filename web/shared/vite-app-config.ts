import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { MOCK_SCENARIOS } from './src/mocks/db';

const sharedDir = path.dirname(fileURLToPath(import.meta.url));

/** The parent domain of the dev origins (web/shared/src/lib/client-config.ts DEV_ORIGINS). */
const DEV_DOMAIN = 'sso.localhost';

/**
 * Vite prints the address it listens on (127.0.0.1), which is not the one to
 * open: the apps must run on their *.sso.localhost names, the parent domain
 * of the session cookie and the origins CORS and the mocks expect.
 */
function printDevUrls(app: 1 | 2, mode: string): Plugin {
  return {
    name: 'sso-dev-urls',
    configureServer(server) {
      server.printUrls = () => {
        const address = server.httpServer?.address();
        const port = typeof address === 'object' && address ? address.port : server.config.server.port;
        const info = (line: string) => server.config.logger.info(line);
        info(`  ➜  Open:      http://app${app}.${DEV_DOMAIN}:${port}/  (${app === 1 ? 'identity' : 'relying app'}; Chromium and Firefox resolve *.localhost)`);
        info(`  ➜  Listening: ${server.config.server.host ?? 'localhost'}:${port} (not the address to open: cookies and CORS expect the name above)`);
        if (mode === 'mock') info(`  ➜  Mock:      add ?mock=<scenario>: ${MOCK_SCENARIOS.filter((s) => s !== 'default').join(', ')}`);
      };
    },
  };
}

/**
 * Every module the entry imports statically (rolldown's built-in `$initial`
 * tag) goes into one chunk, the entry's: the first page is one file however
 * many lazy routes share its modules (ADR 031). Left to itself, rolldown
 * splits the modules shared by the entry and lazy routes into common chunks
 * that the entry preloads, one more for each new sharing pattern: more files
 * and bytes on the first page, nothing saved, since the entry needs them all.
 * A lazy route imports what it shares with the first page from the entry
 * chunk, and what only lazy routes share from chunks of their own.
 */
export const FIRST_PAGE_IN_ONE_CHUNK = { groups: [{ name: 'index', tags: ['$initial' as const] }] };

/**
 * Vite + Vitest config of one SPA. `vite build` writes dist/ (served by its
 * BFF); `vite` proxies /api to its BFF; `vite --mode mock` serves msw's worker
 * and answers every API call from the shared handlers, no BFF needed.
 */
export function defineSpaConfig(options: { root: string; app: 1 | 2; devPort: number }) {
  return defineConfig(({ mode }) => {
    const bffPort = Number(process.env[`APP${options.app}_PORT`] ?? 3000 + options.app);
    const bff = `http://127.0.0.1:${bffPort}`;
    return {
      root: options.root,
      plugins: [react(), printDevUrls(options.app, mode)],
      // msw's service worker is only served in mock mode, never shipped in dist/.
      publicDir: mode === 'mock' ? path.join(sharedDir, 'mock-public') : false,
      server: {
        host: '127.0.0.1',
        port: options.devPort,
        strictPort: true,
        allowedHosts: [`.${DEV_DOMAIN}`],
        proxy: mode === 'mock' ? undefined : { '/api': bff, '/.well-known': bff },
      },
      build: {
        outDir: 'dist',
        emptyOutDir: true,
        sourcemap: false,
        // No modulepreload polyfill: every browser this targets supports it natively.
        modulePreload: { polyfill: false },
        rolldownOptions: { output: { codeSplitting: FIRST_PAGE_IN_ONE_CHUNK } },
      },
      test: {
        name: `web-app${options.app}`,
        root: options.root,
        environment: 'jsdom',
        // web/shared's own tests (the mocks' scenarios) run once, in app 1's project.
        include: ['src/**/*.test.{ts,tsx}', ...(options.app === 1 ? ['../shared/src/**/*.test.{ts,tsx}'] : [])],
        setupFiles: ['./src/testing/setup-tests.ts'],
      },
    };
  });
}
