import { useState, type InputHTMLAttributes } from 'react';

export interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  name: string;
  label: string;
  hint?: string;
  errors?: string[] | undefined;
}

/**
 * A labelled input whose errors are tied to it for screen readers. A
 * `type="password"` field gets a Show/Hide toggle (pressed: the characters
 * show), so a person can check what they typed; spell-checking stays off,
 * or the browser would read the password once it shows.
 */
export function Field({ name, label, hint, errors, id, ...input }: FieldProps) {
  const [shown, setShown] = useState(false);
  const password = input.type === 'password';
  const inputId = id ?? `field-${name}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = errors?.length ? `${inputId}-error` : undefined;
  const control = (
    <input
      id={inputId}
      name={name}
      aria-invalid={errors?.length ? true : undefined}
      aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
      {...input}
      {...(password && { type: shown ? 'text' : 'password', spellCheck: false, autoCapitalize: 'none' })}
    />
  );
  return (
    <div className={`field${errors?.length ? ' field--invalid' : ''}`}>
      <label htmlFor={inputId}>{label}</label>
      {hint ? (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {password ? (
        <div className="field__control">
          {control}
          <button className="field__toggle" type="button" aria-pressed={shown} aria-controls={inputId} onClick={() => setShown(!shown)}>
            {shown ? 'Hide' : 'Show'}{' '}
            <span className="visually-hidden">{label.toLowerCase()}</span>
          </button>
        </div>
      ) : (
        control
      )}
      {errorId ? (
        <p className="field__error" id={errorId}>
          {errors!.join(' ')}
        </p>
      ) : null}
    </div>
  );
}

/**
 * The `code` field of a second-factor form: a 6-digit code from an
 * authenticator app (numeric keyboard), or with `recovery` a recovery code
 * (text). Autofill may offer a code the phone received; nothing corrects it.
 */
export function CodeField({ recovery = false, ...field }: Omit<FieldProps, 'name'> & { recovery?: boolean }) {
  return <Field name="code" autoComplete="one-time-code" inputMode={recovery ? 'text' : 'numeric'} autoCapitalize="none" spellCheck={false} {...field} />;
}
