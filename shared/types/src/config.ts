import { z } from 'zod/mini';

/**
 * Runtime configuration a BFF injects into its SPA's index.html, so one build
 * works for any deployment and the SPA needs no extra request to learn it.
 */
export const ClientConfigSchema = z.object({
  appName: z.string(),
  identityOrigin: z.string(),
  apps: z.array(z.object({ name: z.string(), origin: z.string() })),
  /** The identity app's session timeouts (seconds), so the sign-in form can say why a session ended. */
  idleTimeoutSeconds: z.optional(z.int()),
  absoluteTimeoutSeconds: z.optional(z.int()),
  /** SSO_REQUIRE_VERIFIED_EMAIL: sign-up asks for an address, and signs in only once it is confirmed (ADR 030). */
  requireVerifiedEmail: z.optional(z.literal([true, false])),
});
export type ClientConfig = z.infer<typeof ClientConfigSchema>;

export const CLIENT_CONFIG_ELEMENT_ID = 'sso-client-config';
