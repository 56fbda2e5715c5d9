import { readClientConfig } from '@sso/web-shared';

/** App 2's runtime config, read once: injected by BFF 2, or the dev defaults under Vite. */
export const config = Object.freeze(readClientConfig('App 2'));
