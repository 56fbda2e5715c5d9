import { ResetPasswordResponseSchema, type ResetPasswordRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/password/reset: the mailed token and a new password; every session of the account ends (ADR 020). */
export function resetPassword(body: ResetPasswordRequest) {
  return apiRequest({ url: '/api/password/reset', json: body, schema: ResetPasswordResponseSchema });
}
