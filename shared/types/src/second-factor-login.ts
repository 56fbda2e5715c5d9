import { z } from 'zod/mini';
import { ReturnToSchema } from './auth';

// Only the second-factor sign-in page uses these: a module of its own, so
// that page's chunk and the account page's chunk share no module (a shared
// one makes the bundler split the first page into more preloaded chunks).

/** A 6-digit TOTP code, or a recovery code (`xxxx-xxxx-xxxx-xxxx`, spaces and dashes ignored, any case). */
export const SecondFactorCodeSchema = z
  .string({ error: 'Enter the code.' })
  .check(z.minLength(1, 'Enter the code.'), z.maxLength(64, 'That code is too long.'));

/** POST /api/login/second-factor: finishes a sign-in whose password passed. */
export const SecondFactorLoginRequestSchema = /* @__PURE__ */ z.object({
  code: SecondFactorCodeSchema,
  returnTo: ReturnToSchema,
});
export type SecondFactorLoginRequest = z.input<typeof SecondFactorLoginRequestSchema>;

