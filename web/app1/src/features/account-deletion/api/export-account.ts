import { useMutation } from '@tanstack/react-query';
import { AccountExportSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** GET /api/account/export: what app 1 holds about you (no secrets). */
export function exportAccount() {
  return apiRequest({ url: '/api/account/export', schema: AccountExportSchema });
}

/** Fetches the export and hands it to the browser as a file, `account-<username>.json`. */
export const useDownloadMyData = () =>
  useMutation({
    mutationFn: async () => {
      const data = await exportAccount();
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      try {
        const a = document.createElement('a');
        a.href = url;
        a.download = `account-${data.account.username}.json`;
        document.body.append(a);
        a.click();
        a.remove();
      } finally {
        // After the click has been handled: the download holds its own reference.
        setTimeout(() => URL.revokeObjectURL(url), 0);
      }
      return data;
    },
  });
