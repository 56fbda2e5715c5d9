import { useMutation, useQueryClient } from '@tanstack/react-query';
import { UpdateProfileResponseSchema, type SignedInSession, type UpdateProfileRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/account/profile: the display name, at once (this browser's token is re-signed with it). */
export function updateProfile(body: UpdateProfileRequest) {
  return apiRequest({ url: '/api/account/profile', json: body, schema: UpdateProfileResponseSchema });
}

export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateProfile,
    // The session query holds the account the page shows.
    onSuccess: ({ user }) => queryClient.setQueryData<SignedInSession | null>(['session'], (old) => (old ? { ...old, user } : old)),
  });
}
