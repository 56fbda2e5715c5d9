import type { ReactNode } from 'react';
import type { Account } from '@sso/types';
import { formatDate } from '../lib/format';

/** Whether the identity app confirmed the address (the token's `email_verified`, ADR 030). */
export function EmailBadge({ verified }: { verified: boolean }) {
  return verified ? <span className="badge">Verified</span> : <span className="badge badge--warn">Not verified</span>;
}

/**
 * Who the user is, as a definition list: app 1's account and app 2's local
 * profile (a `LocalUser` has these fields too). `children` adds an app's own
 * `<dt>`/`<dd>` pairs after them.
 */
export function ProfileFacts({ user, children }: { user: Pick<Account, 'username' | 'name' | 'email' | 'emailVerified' | 'createdAt'>; children?: ReactNode }) {
  return (
    <dl className="facts">
      <dt>Username</dt>
      <dd>{user.username}</dd>
      <dt>Name</dt>
      <dd>{user.name ?? '—'}</dd>
      <dt>Email</dt>
      <dd>
        {user.email ? (
          <span className="fact-with-action">
            {user.email} <EmailBadge verified={user.emailVerified} />
          </span>
        ) : (
          '—'
        )}
      </dd>
      <dt>Member since</dt>
      <dd>{formatDate(user.createdAt)}</dd>
      {children}
    </dl>
  );
}
