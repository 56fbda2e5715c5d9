import { readClientConfig } from '@sso/web-shared';

/** App 1's runtime config, read once: injected by BFF 1, or the dev defaults under Vite. */
export const config = Object.freeze(readClientConfig('Identity'));
