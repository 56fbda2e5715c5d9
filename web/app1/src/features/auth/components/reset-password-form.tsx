import { Link } from 'react-router';
import { z } from 'zod/mini';
import { ResetPasswordRequestSchema, type ResetPasswordResponse } from '@sso/types';
import { Alert, isApiError, useForm } from '@sso/web-shared';
import { NewPasswordField } from './new-password-field';
import { resetPassword } from '../api/reset-password';
import { useRequest } from '../api/use-request';

/** What the person types; the token comes from the link, kept in memory. */
const ResetPasswordFormSchema = z.object({ password: ResetPasswordRequestSchema.shape.password });

/** Why a link cannot be used, in words a person can act on (BFF 1's codes, ADR 020), and the page's heading then. */
export const LINK_PROBLEMS = {
  LINK_USED: { title: 'This link was used already', message: 'This reset link was already used. Each link works once. Ask for a new link if you still need one.' },
  LINK_EXPIRED: { title: 'This link has expired', message: 'This reset link has expired: links work for a short time only. Ask for a new link.' },
  LINK_INVALID: {
    title: 'This link does not work',
    message: 'This reset link is not valid. It may be mistyped, a newer link was sent, or the password was changed since. Ask for a new link.',
  },
  MISSING: {
    title: 'Open the link from your email',
    message: 'This page needs the link from the reset email, and this address has no token. Open the link from the email again, or ask for a new one.',
  },
} as const;

export type LinkProblem = keyof typeof LINK_PROBLEMS;
const isLinkProblem = (code: string): code is LinkProblem => code in LINK_PROBLEMS;

export function LinkProblemNotice({ problem }: { problem: LinkProblem }) {
  return (
    <>
      <Alert>{LINK_PROBLEMS[problem].message}</Alert>
      <p>
        <Link className="button" to="/forgot-password">
          Ask for a new link
        </Link>
      </p>
    </>
  );
}

/**
 * Choose a new password with the mailed token; on success every session of
 * the account has ended. A link that cannot be used is the page's business
 * (`onLinkProblem`): the form is then of no use.
 */
export function ResetPasswordForm({
  token,
  onDone,
  onLinkProblem,
}: {
  token: string;
  onDone: (res: ResetPasswordResponse) => void;
  onLinkProblem: (problem: LinkProblem) => void;
}) {
  const form = useForm(ResetPasswordFormSchema);
  const reset = useRequest(resetPassword);
  return (
    <form
      ref={form.formRef}
      noValidate
      onSubmit={form.onSubmit((values) =>
        reset.send(
          { token, password: values.password },
          { onSuccess: onDone, onError: (err) => (isApiError(err) && isLinkProblem(err.code) ? onLinkProblem(err.code) : form.showServerError(err)) },
        ),
      )}
    >
      <Alert>{form.formError}</Alert>
      <NewPasswordField name="password" label="New password" errors={form.fieldErrors.password} />
      <button className="button" type="submit" disabled={reset.isPending}>
        {reset.isPending ? 'Saving…' : 'Set new password'}
      </button>
    </form>
  );
}
