import { z } from 'zod/mini';
import { fieldErrorsOf } from '@sso/types';
import { HttpError } from './http-error';

/**
 * Parses a body with a shared schema; failures become 400 VALIDATION_FAILED
 * with field errors. `alsoCheck` adds errors the shared schema cannot know
 * (a list only the BFF holds), on fields the schema found nothing wrong
 * with, in the same answer.
 */
export function parseBody<S extends z.core.$ZodType>(
  schema: S,
  body: unknown,
  alsoCheck?: (body: Record<string, unknown>) => Record<string, string[]>,
): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError('VALIDATION_FAILED', 'The request body must be a JSON object.');
  }
  const result = z.safeParse(schema, body);
  const errors = result.success ? Object.create(null) : fieldErrorsOf(result.error.issues);
  for (const [field, messages] of Object.entries(alsoCheck?.(body as Record<string, unknown>) ?? {})) errors[field] ??= messages;
  if (result.success && Object.keys(errors).length === 0) return result.data;
  return failValidation(errors);
}

/** Throws 400 VALIDATION_FAILED carrying `errors`, the first one as the detail. */
export function failValidation(errors: Record<string, string[]>): never {
  const first = Object.entries(errors)[0];
  throw new HttpError('VALIDATION_FAILED', first ? `${first[0]}: ${first[1][0]}` : undefined, { errors: { ...errors } });
}
