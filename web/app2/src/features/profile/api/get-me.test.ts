import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { resetMockDb, server } from '@sso/web-shared/testing';
import { getMe } from './get-me';

describe('getMe', () => {
  it('concurrent calls that meet an expired token share one refresh (a second would look like token theft)', async () => {
    resetMockDb('expired');
    let refreshes = 0;
    server.use(
      http.post('*/api/session/refresh', () => {
        refreshes++;
        return undefined;
      }),
    );
    const results = await Promise.all([getMe(), getMe(), getMe()]);
    expect(results.map((r) => r.user.username)).toEqual(['demo', 'demo', 'demo']);
    expect(refreshes).toBe(1);
  });
});
