import type { Account } from '@sso/types';
import type { UserRecord } from './user-store';

/** The public view of a user: never the password hash. */
export function toAccount(user: UserRecord): Account {
  return { id: user.id, username: user.username, email: user.email, emailVerified: user.email !== null && user.emailVerified, name: user.name, createdAt: user.createdAt, groups: [...user.groups] };
}
