import { VerifyEmailResponseSchema, type VerifyEmailRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/email/verify: the token from a mailed link (a verification, or an email change's confirmation; ADR 030). */
export function verifyEmail(body: VerifyEmailRequest) {
  return apiRequest({ url: '/api/email/verify', json: body, schema: VerifyEmailResponseSchema });
}
