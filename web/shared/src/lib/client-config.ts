import { CLIENT_CONFIG_ELEMENT_ID, ClientConfigSchema, type ClientConfig } from '@sso/types';

/** Where the apps run under `npm run dev` and `npm run dev:mock` (Vite's ports). */
export const DEV_ORIGINS = {
  app1: 'http://app1.sso.localhost:5171',
  app2: 'http://app2.sso.localhost:5172',
} as const;

/**
 * The runtime config the BFF injected into index.html; under Vite (dev,
 * mock, tests) nothing is injected and the dev origins apply.
 */
export function readClientConfig(appName: string): ClientConfig {
  const element = typeof document !== 'undefined' ? document.getElementById(CLIENT_CONFIG_ELEMENT_ID) : null;
  if (element?.textContent) {
    const parsed = ClientConfigSchema.safeParse(JSON.parse(element.textContent));
    if (parsed.success) return parsed.data;
  }
  return {
    appName,
    identityOrigin: DEV_ORIGINS.app1,
    apps: [
      { name: 'Identity', origin: DEV_ORIGINS.app1 },
      { name: 'App 2', origin: DEV_ORIGINS.app2 },
    ],
    idleTimeoutSeconds: 30 * 60,
    absoluteTimeoutSeconds: 12 * 60 * 60,
  };
}
