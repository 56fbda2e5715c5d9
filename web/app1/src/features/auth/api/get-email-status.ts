import { queryOptions, useQuery } from '@tanstack/react-query';
import { EmailStatusSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** GET /api/account/email: the address, whether it is verified, and an email change waiting for its link. */
export function getEmailStatus() {
  return apiRequest({ url: '/api/account/email', schema: EmailStatusSchema });
}

export const emailStatusQueryOptions = () => queryOptions({ queryKey: ['account', 'email'], queryFn: getEmailStatus });

export const useEmailStatus = () => useQuery(emailStatusQueryOptions());
