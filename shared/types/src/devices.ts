import { z } from 'zod/mini';

// Its own module: only the account page (loaded on demand) uses these.

/** One live session of the signed-in person, as the account page lists it ("your devices"). */
export const DeviceSessionSchema = /* @__PURE__ */ z.object({
  /** The session id (the token's `sid`): what POST /api/account/sessions/end takes. */
  id: z.string(),
  /** Browser name and major version from the User-Agent at sign-in ("Chrome 156"), or null when unknown. */
  browser: z.nullable(z.string()),
  /** Operating system from the same header ("Linux", "iOS 18"), or null. */
  os: z.nullable(z.string()),
  /** The client address at sign-in, as seen through TRUST_PROXY, or null. */
  address: z.nullable(z.string()),
  /** Signed in. */
  createdAt: z.iso.datetime(),
  /** Last renewal of the session (a token was issued to it). */
  lastActiveAt: z.iso.datetime(),
  /**
   * The session of the browser asking. (A literal pair, not z.boolean(): zod's
   * classes land in SPA 1's first-page chunk whichever page uses them.)
   */
  current: z.literal([true, false]),
});
export type DeviceSession = z.infer<typeof DeviceSessionSchema>;

/** GET /api/account/sessions: the live sessions of the signed-in account, this device first, then the most recently active. */
export const DeviceSessionsResponseSchema = /* @__PURE__ */ z.object({
  sessions: z.array(DeviceSessionSchema),
});
export type DeviceSessionsResponse = z.infer<typeof DeviceSessionsResponseSchema>;

/** POST /api/account/sessions/end: end one other session of the signed-in account. */
export const EndSessionRequestSchema = /* @__PURE__ */ z.object({
  id: z.string({ error: 'Name the session to end.' }).check(z.minLength(1, 'Name the session to end.'), z.maxLength(128, 'That is not a session id.')),
});
export type EndSessionRequest = z.infer<typeof EndSessionRequestSchema>;

/** POST /api/account/sessions/end and /end-others: how many sessions ended. */
export const EndSessionsResponseSchema = /* @__PURE__ */ z.object({
  ended: z.int(),
});
export type EndSessionsResponse = z.infer<typeof EndSessionsResponseSchema>;
