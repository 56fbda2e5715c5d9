import { PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from '@sso/types';
import { Field } from '@sso/web-shared';

/** A field for choosing a password, with the rules the server enforces (the common-password list is checked by BFF 1 only). */
export function NewPasswordField({ name, label, errors }: { name: string; label: string; errors: string[] | undefined }) {
  return (
    <Field
      name={name}
      label={label}
      type="password"
      hint={`At least ${PASSWORD_MIN_LENGTH} characters, at most ${PASSWORD_MAX_BYTES} bytes, and not a common password.`}
      autoComplete="new-password"
      errors={errors}
      required
    />
  );
}
