import { z } from 'zod';
import { GROUP_PATTERN, USERNAME_PATTERN, normalizeUsername } from '@sso/types';

/**
 * The operator's verbs (`npm run admin -- <verb>`, DESIGN.md "Operators"),
 * as one validated value: what the CLI parses from its arguments and what
 * the running app 1 accepts on its admin socket (ADR 034).
 */
const Username = z
  .string()
  .max(256)
  .transform(normalizeUsername)
  .refine((u) => USERNAME_PATTERN.test(u), 'is not a username (3 to 32 of a-z, 0-9, ".", "_", "-")');
const Group = z.string().regex(GROUP_PATTERN, 'is not a group name (1 to 64 of A-Z, a-z, 0-9, ".", "_", ":", "@", "-", starting with a letter or digit)');
const Sid = z.string().min(1).max(128);

export const AdminCommandSchema = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('users') }),
  z.object({ verb: z.enum(['user show', 'user disable', 'user enable', 'user delete', 'user reset-link', 'user sessions']), username: Username }),
  z.object({ verb: z.literal('session revoke'), sid: Sid }),
  z.object({ verb: z.enum(['group add', 'group remove']), username: Username, group: Group }),
]);
export type AdminCommand = z.infer<typeof AdminCommandSchema>;
export type AdminVerb = AdminCommand['verb'];

/** An account as the operator sees it (never the password hash). */
export interface AdminUser {
  id: string;
  username: string;
  email: string | null;
  name: string | null;
  createdAt: string;
  disabledAt: string | null;
  groups: string[];
}

export interface AdminSession {
  id: string;
  browser: string | null;
  os: string | null;
  address: string | null;
  createdAt: string;
  lastActiveAt: string;
  amr: string[];
}

/** What each verb answers (the `--json` output). */
export type AdminResult =
  | { verb: 'users'; users: AdminUser[] }
  | { verb: 'user show'; user: AdminUser & { liveSessions: number; totp: boolean; recoveryCodesLeft: number } }
  | { verb: 'user disable' | 'user enable'; username: string; changed: boolean; disabledAt: string | null; revokedSessions: number }
  | { verb: 'user delete'; username: string; id: string; revokedSessions: number }
  | { verb: 'user reset-link'; username: string; link: string; expiresAt: string }
  | { verb: 'user sessions'; username: string; sessions: AdminSession[] }
  | { verb: 'session revoke'; sid: string; username: string | null; changed: boolean }
  | { verb: 'group add' | 'group remove'; username: string; group: string; changed: boolean; groups: string[] };

/** Why a verb failed; the CLI turns each into its own exit code. */
export type AdminFailureCode = 'NOT_FOUND' | 'CONFLICT';
export type AdminOutcome = { ok: true; result: AdminResult } | { ok: false; code: AdminFailureCode; message: string };
