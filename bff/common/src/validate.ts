import { z } from 'zod/mini';
import { HttpError } from './http-error';

/** Parses a body with a shared schema; failures become 400 VALIDATION_FAILED with field errors. */
export function parseBody<S extends z.core.$ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'VALIDATION_FAILED', 'The request body must be a JSON object.');
  }
  const result = z.safeParse(schema, body);
  if (result.success) return result.data;
  const errors: Record<string, string[]> = Object.create(null);
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || '(body)';
    (errors[key] ??= []).push(issue.message);
  }
  return failValidation(errors);
}

function failValidation(errors: Record<string, string[]>): never {
  const first = Object.entries(errors)[0];
  throw new HttpError(400, 'VALIDATION_FAILED', first ? `${first[0]}: ${first[1][0]}` : undefined, { errors: { ...errors } });
}
