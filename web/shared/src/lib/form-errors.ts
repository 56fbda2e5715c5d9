import { z } from 'zod/mini';

/** Field errors from a zod schema, keyed like the server's VALIDATION_FAILED `errors`. */
export function fieldErrorsOf(schema: z.core.$ZodType, values: unknown): Record<string, string[]> | null {
  const result = z.safeParse(schema, values);
  if (result.success) return null;
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || 'form';
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}
