import type { z } from 'zod';

/** Field errors from a zod schema, keyed like the server's VALIDATION_FAILED `errors`. */
export function fieldErrorsOf(schema: z.ZodType, values: unknown): Record<string, string[]> | null {
  const result = schema.safeParse(values);
  if (result.success) return null;
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || 'form';
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}
