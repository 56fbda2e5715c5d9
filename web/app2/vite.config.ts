import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const here = path.dirname(fileURLToPath(import.meta.url));
const bffPort = Number(process.env.APP2_PORT ?? 3002);

/** Builds SPA 2 into dist/ (served by BFF 2); dev server proxies /api to BFF 2. */
export default defineConfig({
  root: here,
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5172,
    strictPort: true,
    allowedHosts: ['.sso.localhost'],
    proxy: {
      '/api': { target: `http://127.0.0.1:${bffPort}`, changeOrigin: false },
      '/.well-known': { target: `http://127.0.0.1:${bffPort}`, changeOrigin: false },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  test: {
    name: 'web-app2',
    root: here,
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['./src/testing/setup-tests.ts'],
  },
});
