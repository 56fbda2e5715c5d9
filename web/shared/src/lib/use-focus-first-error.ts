import { useEffect, type RefObject } from 'react';

/** After a failed submit, moves focus to the first invalid field so keyboard and screen-reader users land on it. */
export function useFocusFirstError(formRef: RefObject<HTMLFormElement | null>, errors: Record<string, string[]>, attempt: number): void {
  useEffect(() => {
    if (attempt === 0 || Object.keys(errors).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [formRef, errors, attempt]);
}
