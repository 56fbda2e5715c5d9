/**
 * A second domain with short lifetimes for sessions-that-last.spec.ts, on its
 * own parent domain so its cookies never meet the main domain's. Ports and
 * the data dir come from playwright.config.ts through the environment.
 */
export function shortDomainEnv(): Record<string, string> {
  return {
    APP1_PORT: process.env.E2E_SHORT_APP1_PORT!,
    APP2_PORT: process.env.E2E_SHORT_APP2_PORT!,
    SSO_COOKIE_DOMAIN: 'short.sso.localhost',
    DATA_DIR: process.env.E2E_SHORT_DATA_DIR!,
    BCRYPT_COST: '8',
    SSO_TOKEN_TTL: '30',
    SSO_IDLE_TIMEOUT: '60',
    SSO_KEY_ACTIVATION_DELAY: '30',
    SSO_REVOCATION_POLL_MS: '250',
  };
}

export const shortApps = {
  app1: `http://app1.short.sso.localhost:${process.env.E2E_SHORT_APP1_PORT}`,
  app2: `http://app2.short.sso.localhost:${process.env.E2E_SHORT_APP2_PORT}`,
};
