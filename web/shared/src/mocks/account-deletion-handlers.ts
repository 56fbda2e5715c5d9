import { http, HttpResponse } from 'msw';
import { DeleteAccountRequestSchema, type AccountExport, type DeleteAccountRequest, type DeleteAccountResponse, type Problem } from '@sso/types';
import { DEV_ORIGINS } from '../lib/client-config';
import { MOCK_TOTP_CODE, mockDb, tokenUser } from './db';
import { problem, validationProblem } from './handlers';

const CODE_NEEDED = 'Enter a code from your authenticator app, or a recovery code.';

/** BFF 1's "Download my data" and "Delete account" (ADR 034), as it answers them. */
export const accountDeletionHandlers = [
  http.get<never, never, AccountExport | Problem>('*/api/account/export', async () => {
    if (mockDb.scenario === 'unavailable') return HttpResponse.error();
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const created = new Date(mockDb.sessionCreatedAt).toISOString();
    const codes = mockDb.totpEnabled.get(user.account.id);
    return HttpResponse.json(
      {
        exportedAt: new Date().toISOString(),
        issuer: DEV_ORIGINS.app1,
        account: { ...user.account, groups: [...user.account.groups], disabledAt: null },
        sessions: [{ id: 'ses_mock', createdAt: created, lastActiveAt: created, absoluteExpiresAt: new Date(mockDb.sessionCreatedAt + 12 * 3600_000).toISOString(), userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0', address: '127.0.0.1', amr: ['pwd'] }],
        secondFactor: { totp: codes ? { createdAt: '2026-02-01T10:00:00.000Z', confirmedAt: '2026-02-01T10:00:00.000Z' } : null, recoveryCodesLeft: codes?.length ?? 0 },
      },
      { headers: { 'content-disposition': `attachment; filename="account-${user.account.username}.json"` } },
    );
  }),

  http.post<never, DeleteAccountRequest, DeleteAccountResponse | Problem>('*/api/account/delete', async ({ request }) => {
    if (mockDb.scenario === 'unavailable') return HttpResponse.error();
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = DeleteAccountRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (parsed.data.password !== user.password) return problem('INVALID_CREDENTIALS', { detail: 'The password is wrong.', errors: { password: ['The password is wrong.'] } });
    const codes = mockDb.totpEnabled.get(user.account.id);
    if (codes) {
      const code = parsed.data.code?.trim();
      if (!code) return problem('VALIDATION_FAILED', { detail: CODE_NEEDED, errors: { code: [CODE_NEEDED] } });
      if (code !== MOCK_TOTP_CODE && !codes.includes(code)) return problem('INVALID_SECOND_FACTOR', { detail: 'That code is not valid.', errors: { code: ['That code is not valid.'] } });
    }
    // As BFF 1: the account and its sessions are gone, both cookies cleared.
    mockDb.users.delete(user.account.username);
    mockDb.totpEnabled.delete(user.account.id);
    mockDb.signedInUserId = null;
    mockDb.token = 'absent';
    return HttpResponse.json({ deleted: true, revokedSessions: 1 + mockDb.otherDevices.length });
  }),
];
