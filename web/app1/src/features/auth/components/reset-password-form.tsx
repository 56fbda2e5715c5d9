import { Link } from 'react-router';
import { z } from 'zod/mini';
import { ResetPasswordRequestSchema, type ResetPasswordResponse } from '@sso/types';
import { Alert, isApiError, useForm } from '@sso/web-shared';
import { NewPasswordField } from './new-password-field';
import { resetPassword } from '../api/reset-password';
import { useRequest } from '../api/use-request';

/** What the person types; the token comes from the link, kept in memory. */
const ResetPasswordFormSchema = z.object({ password: ResetPasswordRequestSchema.shape.password });

/** Why a link cannot be used, in words a person can act on (BFF 1's codes, ADR 020). */
export const LINK_MESSAGES = {
  LINK_USED: 'This reset link was already used. Each link works once. Ask for a new link if you still need one.',
  LINK_EXPIRED: 'This reset link has expired: links work for a short time only. Ask for a new link.',
  LINK_INVALID: 'This reset link is not valid. It may be mistyped, a newer link was sent, or the password was changed since. Ask for a new link.',
} as const;

type LinkProblem = keyof typeof LINK_MESSAGES;
const isLinkProblem = (code: string): code is LinkProblem => code in LINK_MESSAGES;

export function LinkProblemNotice({ message }: { message: string }) {
  return (
    <>
      <Alert>{message}</Alert>
      <p>
        <Link className="button" to="/forgot-password">
          Ask for a new link
        </Link>
      </p>
    </>
  );
}

/** Choose a new password with the mailed token; on success every session of the account has ended. */
export function ResetPasswordForm({ token, onDone }: { token: string; onDone: (res: ResetPasswordResponse) => void }) {
  const form = useForm(ResetPasswordFormSchema);
  const reset = useRequest(resetPassword);
  const linkProblem = isApiError(reset.error) && isLinkProblem(reset.error.code) ? reset.error.code : null;

  if (linkProblem) return <LinkProblemNotice message={LINK_MESSAGES[linkProblem]} />;
  return (
    <form
      ref={form.formRef}
      noValidate
      onSubmit={form.onSubmit((values) => reset.send({ token, password: values.password }, { onSuccess: onDone, onError: form.showServerError }))}
    >
      <Alert>{form.formError}</Alert>
      <NewPasswordField name="password" label="New password" errors={form.fieldErrors.password} />
      <button className="button" type="submit" disabled={reset.isPending}>
        {reset.isPending ? 'Saving…' : 'Set new password'}
      </button>
    </form>
  );
}
