import { defineConfig } from 'vitest/config';

/**
 * The workspace's test runner configuration: one Vitest run covers the
 * session library and BFFs (node) and both SPAs (jsdom). Each SPA's own
 * web/appN/vite.config.ts builds and serves that SPA.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'bff',
          environment: 'node',
          include: ['shared/types/src/**/*.test.ts', 'bff/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      'web/app1/vite.config.ts',
      'web/app2/vite.config.ts',
    ],
  },
});
