import { useRef, useState, type FormEvent } from 'react';
import { z } from 'zod/mini';
import { isApiError, type ApiError } from './api-error';
import { describeError } from './describe-error';
import { fieldErrorsOf } from '@sso/types';
import { useFocusFirstError } from './use-focus-first-error';

export interface UseFormOptions {
  /**
   * This form's own sentence for a code, where the shared one would mislead:
   * the change-password form's INVALID_CREDENTIALS is the current password.
   */
  messages?: Partial<Record<ApiError['code'], string>>;
}

/**
 * Form state shared by app 1's forms: client-side validation with the same
 * zod schema the BFF uses, server errors mapped back onto the fields, and
 * focus moved to the first invalid field after each attempt. Submits the
 * schema's parsed output, so a form sends typed (and normalized) values.
 */
export function useForm<S extends z.core.$ZodType>(schema: S, options: UseFormOptions = {}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  useFocusFirstError(formRef, fieldErrors, attempt);

  /** Reads the form; returns the schema's output when the values pass it, else shows the errors. */
  function validate(): z.output<S> | null {
    const values: Record<string, string> = {};
    for (const [key, value] of new FormData(formRef.current!)) if (typeof value === 'string' && value !== '') values[key] = value;
    const result = z.safeParse(schema, values);
    const errors = result.success ? {} : fieldErrorsOf(result.error.issues);
    setFieldErrors(errors);
    setFormError(result.success ? null : 'Some fields need attention.');
    setAttempt((n) => n + 1);
    return result.success ? result.data : null;
  }

  return {
    formRef,
    fieldErrors,
    formError,
    /** A submit handler: validates, then calls `submit` with the schema's output (empty fields left out before parsing). */
    onSubmit: (submit: (values: z.output<S>) => void) => (event: FormEvent) => {
      event.preventDefault();
      const values = validate();
      if (values) submit(values);
    },
    /** Shows a failed submission: field errors on their fields, the rest as one message. */
    showServerError(err: unknown) {
      const errors = isApiError(err) ? err.fieldErrors : {};
      setFieldErrors(errors);
      setFormError((isApiError(err) ? options.messages?.[err.code] : undefined) ?? describeError(err));
      setAttempt((n) => n + 1);
    },
  };
}
