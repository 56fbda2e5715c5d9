import { z } from 'zod/mini';
import { ReturnToSchema } from './auth';

// Passkeys (WebAuthn, ADR 033). Only the account page's passkey card, the
// second-factor page and the sign-in page's passkey chunk (loaded on click)
// use these: none of it is on the first page.

/** base64url as WebAuthn's JSON encodings carry it (bounded: a body is at most 16 kB anyway). */
const Base64UrlSchema = /* @__PURE__ */ z.string().check(z.maxLength(8192), z.regex(/^[A-Za-z0-9_-]*$/, 'must be base64url'));

/** A passkey as the account page lists it. `synced`: the provider may copy it to the person's other devices (backup eligible). */
export const PasskeySchema = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.nullable(z.iso.datetime()),
  synced: z.literal([true, false]),
});
export type Passkey = z.infer<typeof PasskeySchema>;

/** GET /api/account/passkeys: this account's passkeys, oldest first. */
export const PasskeyListSchema = /* @__PURE__ */ z.object({ passkeys: z.array(PasskeySchema) });
export type PasskeyList = z.infer<typeof PasskeyListSchema>;

/** A name the person gives a passkey ("Phone", "YubiKey 5"). */
export const PasskeyNameSchema = /* @__PURE__ */ z.pipe(
  z.string({ error: 'Give the passkey a name.' }),
  z.pipe(
    z.transform((s: string) => s.normalize('NFC').trim()),
    z.string().check(z.minLength(1, 'Give the passkey a name.'), z.maxLength(64, 'Use at most 64 characters.')),
  ),
);

/**
 * The options app 1 answers for `navigator.credentials.create()` / `.get()`
 * (WebAuthn's JSON form, given as is to @simplewebauthn/browser). The
 * challenge in them is stored server-side, once, for a short time.
 */
export const PasskeyOptionsResponseSchema = /* @__PURE__ */ z.object({
  options: z.looseObject({ challenge: z.string() }),
});
export type PasskeyOptionsResponse = z.infer<typeof PasskeyOptionsResponseSchema>;

/** What `navigator.credentials.create()` gave (RegistrationResponseJSON). */
export const PasskeyRegistrationCredentialSchema = /* @__PURE__ */ z.object({
  id: Base64UrlSchema,
  rawId: Base64UrlSchema,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: Base64UrlSchema,
    attestationObject: Base64UrlSchema,
    transports: z.optional(z.array(z.string().check(z.maxLength(32))).check(z.maxLength(10))),
    publicKeyAlgorithm: z.optional(z.number()),
    publicKey: z.optional(Base64UrlSchema),
    authenticatorData: z.optional(Base64UrlSchema),
  }),
  authenticatorAttachment: z.optional(z.string().check(z.maxLength(32))),
  clientExtensionResults: z._default(z.record(z.string(), z.unknown()), {}),
});

/** What `navigator.credentials.get()` gave (AuthenticationResponseJSON). */
export const PasskeyAssertionSchema = /* @__PURE__ */ z.object({
  id: Base64UrlSchema,
  rawId: Base64UrlSchema,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: Base64UrlSchema,
    authenticatorData: Base64UrlSchema,
    signature: Base64UrlSchema,
    userHandle: z.optional(Base64UrlSchema),
  }),
  authenticatorAttachment: z.optional(z.string().check(z.maxLength(32))),
  clientExtensionResults: z._default(z.record(z.string(), z.unknown()), {}),
});
export type PasskeyAssertion = z.input<typeof PasskeyAssertionSchema>;

/** POST /api/account/passkeys: the new credential and its name. */
export const PasskeyRegisterRequestSchema = /* @__PURE__ */ z.object({ name: PasskeyNameSchema, credential: PasskeyRegistrationCredentialSchema });
export type PasskeyRegisterRequest = z.input<typeof PasskeyRegisterRequestSchema>;

export const PasskeyResponseSchema = /* @__PURE__ */ z.object({ passkey: PasskeySchema });
export type PasskeyResponse = z.infer<typeof PasskeyResponseSchema>;

/** POST /api/account/passkeys/rename. */
export const PasskeyRenameRequestSchema = /* @__PURE__ */ z.object({ id: z.string().check(z.maxLength(1024)), name: PasskeyNameSchema });
export type PasskeyRenameRequest = z.input<typeof PasskeyRenameRequestSchema>;

/** POST /api/account/passkeys/remove. */
export const PasskeyRemoveRequestSchema = /* @__PURE__ */ z.object({ id: z.string().check(z.maxLength(1024)) });
export type PasskeyRemoveRequest = z.input<typeof PasskeyRemoveRequestSchema>;

/** POST /api/login/passkey and /api/login/second-factor/passkey: the signed challenge. */
export const PasskeyLoginRequestSchema = /* @__PURE__ */ z.object({ credential: PasskeyAssertionSchema, returnTo: ReturnToSchema });
export type PasskeyLoginRequest = z.input<typeof PasskeyLoginRequestSchema>;
