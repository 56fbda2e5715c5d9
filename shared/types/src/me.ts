import { z } from 'zod/mini';

/** A relying app's local, just-in-time provisioned user. */
export const LocalUserSchema = z.object({
  /** The relying app's own id, stable across calls. */
  id: z.string(),
  /** The identity app's subject (opaque, never the username). */
  sub: z.string(),
  username: z.string(),
  email: z.nullable(z.string()),
  /** The token's `email_verified`: the identity app confirmed the address through a mailed link. */
  emailVerified: z.boolean(),
  name: z.nullable(z.string()),
  createdAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
});
export type LocalUser = z.infer<typeof LocalUserSchema>;

export const MeResponseSchema = z.object({
  user: LocalUserSchema,
  /** The groups the domain token carries (set at the identity app by an operator). */
  groups: z.array(z.string()),
  /** When the domain token this answer was verified with expires: the SPA renews before then. */
  tokenExpiresAt: z.iso.datetime(),
});
export type MeResponse = z.infer<typeof MeResponseSchema>;
