import { z } from 'zod/mini';
import { LoginResponseSchema, ReturnToSchema, UsernameSchema, type LoginResponse } from './auth';
import { NewPasswordSchema } from './password';

export const SignupRequestSchema = z.object({
  username: UsernameSchema,
  password: NewPasswordSchema,
  email: z.optional(z.email('Enter a valid email address.').check(z.maxLength(254, 'Use at most 254 characters.'))),
  name: z.optional(
    z.pipe(
      z.string().check(z.trim()),
      z.string().check(z.minLength(1, 'Enter your name.'), z.maxLength(100, 'Use at most 100 characters.')),
    ),
  ),
  returnTo: ReturnToSchema,
});
export type SignupRequest = z.input<typeof SignupRequestSchema>;

export const SignupResponseSchema = LoginResponseSchema;
export type SignupResponse = LoginResponse;

