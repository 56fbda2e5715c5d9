import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const here = path.dirname(fileURLToPath(import.meta.url));
const bffPort = Number(process.env.APP1_PORT ?? 3001);

/** Builds SPA 1 into dist/ (served by BFF 1); dev server proxies /api to BFF 1. */
export default defineConfig({
  root: here,
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5171,
    strictPort: true,
    allowedHosts: ['.sso.localhost'],
    proxy: {
      '/api': { target: `http://127.0.0.1:${bffPort}`, changeOrigin: false },
      '/.well-known': { target: `http://127.0.0.1:${bffPort}`, changeOrigin: false },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  test: {
    name: 'web-app1',
    root: here,
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['./src/testing/setup-tests.ts'],
  },
});
