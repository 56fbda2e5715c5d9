/**
 * The sign-in page's router state after a password reset in this tab (ADR 020:
 * the person lands on the sign-in form, username filled in). Router state, not
 * the URL: a shared or bookmarked link never says it.
 */
export interface PasswordChangedState {
  passwordChanged: { username: string; revokedSessions: number };
}

export function passwordChangedState(state: unknown): PasswordChangedState['passwordChanged'] | null {
  const changed = typeof state === 'object' && state !== null ? (state as Partial<PasswordChangedState>).passwordChanged : undefined;
  return changed && typeof changed.username === 'string' ? changed : null;
}
