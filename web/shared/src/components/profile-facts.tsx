import type { ReactNode } from 'react';
import type { Account } from '@sso/types';
import { formatDate } from '../lib/format';

/**
 * Who the user is, as a definition list: app 1's account and app 2's local
 * profile (a `LocalUser` has these fields too). `children` adds an app's own
 * `<dt>`/`<dd>` pairs after them.
 */
export function ProfileFacts({ user, children }: { user: Pick<Account, 'username' | 'name' | 'email' | 'createdAt'>; children?: ReactNode }) {
  return (
    <dl className="facts">
      <dt>Username</dt>
      <dd>{user.username}</dd>
      <dt>Name</dt>
      <dd>{user.name ?? '—'}</dd>
      <dt>Email</dt>
      <dd>{user.email ?? '—'}</dd>
      <dt>Member since</dt>
      <dd>{formatDate(user.createdAt)}</dd>
      {children}
    </dl>
  );
}
