import { queryOptions, useQuery } from '@tanstack/react-query';
import { SecondFactorStatusSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** GET /api/account/second-factor: whether TOTP is on and how many recovery codes are left. */
export const getSecondFactorStatus = () => apiRequest({ url: '/api/account/second-factor', schema: SecondFactorStatusSchema });

export const secondFactorStatusQueryOptions = () => queryOptions({ queryKey: ['second-factor'], queryFn: getSecondFactorStatus });

export const useSecondFactorStatus = () => useQuery(secondFactorStatusQueryOptions());
