import { ForgotPasswordResponseSchema, type ForgotPasswordRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/password/forgot: always 202 `{ accepted: true }`, whether or not an account matched (ADR 020). */
export function forgotPassword(body: ForgotPasswordRequest) {
  return apiRequest({ url: '/api/password/forgot', json: body, schema: ForgotPasswordResponseSchema });
}
