import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const sharedDir = path.dirname(fileURLToPath(import.meta.url));

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
      plugins: [react()],
      // msw's service worker is only served in mock mode, never shipped in dist/.
      publicDir: mode === 'mock' ? path.join(sharedDir, 'mock-public') : false,
      server: {
        host: '127.0.0.1',
        port: options.devPort,
        strictPort: true,
        allowedHosts: ['.sso.localhost'],
        proxy: mode === 'mock' ? undefined : { '/api': bff, '/.well-known': bff },
      },
      // No modulepreload polyfill: every browser this targets supports it natively.
      build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, modulePreload: { polyfill: false } },
      test: {
        name: `web-app${options.app}`,
        root: options.root,
        environment: 'jsdom',
        include: ['src/**/*.test.{ts,tsx}'],
        setupFiles: ['./src/testing/setup-tests.ts'],
      },
    };
  });
}
