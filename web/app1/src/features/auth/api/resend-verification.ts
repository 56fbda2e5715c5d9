import { ResendVerificationResponseSchema, type ResendVerificationRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/email/verification: a fresh link (signed in, or from the "check your inbox" step); `email` for a new address. */
export function resendVerification(body: ResendVerificationRequest) {
  return apiRequest({ url: '/api/email/verification', json: body, schema: ResendVerificationResponseSchema });
}
