import { z } from 'zod/mini';
import { fieldErrorsOf } from '@sso/types';
import { HttpError } from './http-error';

/** Parses a body with a shared schema; failures become 400 VALIDATION_FAILED with field errors. */
export function parseBody<S extends z.core.$ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError('VALIDATION_FAILED', 'The request body must be a JSON object.');
  }
  const result = z.safeParse(schema, body);
  if (result.success) return result.data;
  return failValidation(fieldErrorsOf(result.error.issues));
}

/** The field errors `schema` finds in `body`, keyed by dotted path as parseBody answers them; empty when it passes. */
export function fieldErrors(schema: z.core.$ZodType, body: unknown): Record<string, string[]> {
  const result = z.safeParse(schema, body);
  return result.success ? Object.create(null) : fieldErrorsOf(result.error.issues);
}

/** Throws 400 VALIDATION_FAILED carrying `errors`, the first one as the detail. */
export function failValidation(errors: Record<string, string[]>): never {
  const first = Object.entries(errors)[0];
  throw new HttpError('VALIDATION_FAILED', first ? `${first[0]}: ${first[1][0]}` : undefined, { errors: { ...errors } });
}
