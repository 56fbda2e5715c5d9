import { Router } from 'express';
import { HttpError, parseBody } from '@sso/bff-common';
import { DeleteAccountRequestSchema, type AccountExport, type DeleteAccountResponse } from '@sso/types';
import type { App1Context } from '../context';
import { checkSecondFactor, enrolledSecondFactors } from '../mfa/verify-second-factor';
import { clearSessionCookies } from '../sessions/issue';
import { requireAccount } from '../sessions/lifecycle';
import { deleteAccount, exportAccount } from '../users/delete-account';
import { checkPassword } from '../users/password-check';

const CODE_NEEDED = 'Enter a code from your authenticator app, or a recovery code.';

/**
 * GET /api/account/export: what app 1 holds about the signed-in person (JSON,
 * no secrets). POST /api/account/delete `{ password, code? }`: deletes the
 * account after the password again and, with a second factor enrolled, a
 * code (a stolen session alone cannot delete an account). ADR 034.
 */
export function accountDeletionRoutes(ctx: App1Context): Router {
  const router = Router();

  router.get('/account/export', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const data = await exportAccount(ctx, user);
    req.log.info({ event: 'account.export', userId: user.id }, 'audit');
    res.setHeader('Content-Disposition', `attachment; filename="account-${user.username}.json"`);
    res.json(data satisfies AccountExport);
  });

  router.post('/account/delete', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const body = parseBody(DeleteAccountRequestSchema, req.body);
    // Under the sign-in limits, as a password change: a stolen session is no password oracle.
    const checked = await checkPassword(ctx, { username: user.username, password: body.password, address: req.ip, cookieHeader: req.headers.cookie, countSuccess: false });
    if (!checked.ok) {
      if (checked.code === 'RATE_LIMITED') throw new HttpError('RATE_LIMITED', 'Too many attempts. Try again later.', { retryAfter: checked.retryAfter });
      throw new HttpError('INVALID_CREDENTIALS', 'The password is wrong.', { errors: { password: ['The password is wrong.'] } });
    }
    if ((await enrolledSecondFactors(ctx, user.id)).length > 0) {
      if (!body.code?.trim()) throw new HttpError('VALIDATION_FAILED', CODE_NEEDED, { errors: { code: [CODE_NEEDED] } });
      const check = await checkSecondFactor(ctx, { userId: user.id, code: body.code, pendingId: null, allowRecovery: true, log: req.log });
      if (!check.ok) {
        if (check.code === 'RATE_LIMITED') throw new HttpError('RATE_LIMITED', 'Too many wrong codes for this account. Try again later.', { retryAfter: check.retryAfter });
        throw new HttpError('INVALID_SECOND_FACTOR', 'That code is not valid.', { errors: { code: ['That code is not valid.'] } });
      }
    }
    const deleted = await deleteAccount(ctx, user, 'self');
    // Two deletions racing: the second finds nothing left, which is what it asked for.
    clearSessionCookies(ctx, res);
    res.json({ deleted: true, revokedSessions: deleted?.revoked.length ?? 0 } satisfies DeleteAccountResponse);
  });

  return router;
}
