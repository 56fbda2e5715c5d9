import { useRef, useState, type FormEvent } from 'react';
import type { z } from 'zod/mini';
import { isApiError, type ApiError } from './api-error';
import { describeError } from './describe-error';
import { fieldErrorsOf } from './form-errors';
import { useFocusFirstError } from './use-focus-first-error';

export interface UseFormOptions {
  /**
   * This form's own sentence for a code, where the shared one would mislead:
   * the change-password form's INVALID_CREDENTIALS is the current password.
   */
  messages?: Partial<Record<ApiError['code'], string>>;
}

/**
 * Form state shared by the sign-in and sign-up forms: client-side validation
 * with the same zod schema the BFF uses, server errors mapped back onto the
 * fields, and focus moved to the first invalid field after each attempt.
 */
export function useForm<S extends z.core.$ZodType>(schema: S, options: UseFormOptions = {}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  useFocusFirstError(formRef, fieldErrors, attempt);

  /** Reads the form; returns the values when they pass the schema, else shows the errors. */
  function validate(): Record<string, string> | null {
    const data = new FormData(formRef.current!);
    const values: Record<string, string> = {};
    for (const [key, value] of data) if (typeof value === 'string' && value !== '') values[key] = value;
    const errors = fieldErrorsOf(schema, values) ?? {};
    setFieldErrors(errors);
    setFormError(Object.keys(errors).length ? 'Some fields need attention.' : null);
    setAttempt((n) => n + 1);
    return Object.keys(errors).length ? null : values;
  }

  return {
    formRef,
    fieldErrors,
    formError,
    validate,
    /** A submit handler: validates, then calls `submit` with the values (empty fields left out). */
    onSubmit: (submit: (values: Record<string, string>) => void) => (event: FormEvent) => {
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
