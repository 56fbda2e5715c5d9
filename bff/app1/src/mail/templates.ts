import type { MailMessage } from './mailer';

/** Named in every mail, with app 1's origin, so a person can tell a real one from a phish. */
export const PRODUCT_NAME = 'Single sign-on';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface MailParts {
  to: string;
  subject: string;
  greeting: string | null;
  paragraphs: string[];
  action?: { label: string; url: string };
  footer: string;
}

/** Text and HTML bodies from one set of parts; every value is escaped in the HTML. */
function compose(origin: string, parts: MailParts): MailMessage {
  const hello = parts.greeting ? `Hello ${parts.greeting},` : 'Hello,';
  const text = [
    hello,
    '',
    ...parts.paragraphs.flatMap((p) => [p, '']),
    ...(parts.action ? [`${parts.action.label}: ${parts.action.url}`, ''] : []),
    parts.footer,
    '',
    `${PRODUCT_NAME} · ${origin}`,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:36rem">',
    `<p>${escapeHtml(hello)}</p>`,
    ...parts.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(parts.action
      ? [`<p><a href="${escapeHtml(parts.action.url)}" style="display:inline-block;padding:.5rem 1rem;background:#1d4ed8;color:#fff;border-radius:.375rem;text-decoration:none">${escapeHtml(parts.action.label)}</a></p>`, `<p style="font-size:.875rem;color:#555">Or copy this address into your browser: ${escapeHtml(parts.action.url)}</p>`]
      : []),
    `<p style="font-size:.875rem;color:#555">${escapeHtml(parts.footer)}</p>`,
    `<p style="font-size:.875rem;color:#555">${escapeHtml(PRODUCT_NAME)} · <a href="${escapeHtml(origin)}">${escapeHtml(origin)}</a></p>`,
    '</body></html>',
  ].join('\n');
  return { to: parts.to, subject: `${parts.subject} (${PRODUCT_NAME})`, text, html };
}

/** The reset link mail. `link` is built from APP1_ORIGIN by the caller (never from a request header). */
export function passwordResetMail(origin: string, to: { email: string; name: string | null; username: string }, link: string, ttlMinutes: number): MailMessage {
  return compose(origin, {
    to: to.email,
    subject: 'Reset your password',
    greeting: to.name ?? to.username,
    paragraphs: [
      `Someone asked to reset the password of the account "${to.username}" at ${origin}.`,
      `The link below works once, for ${ttlMinutes} minutes. Setting a new password signs the account out everywhere.`,
    ],
    action: { label: 'Choose a new password', url: link },
    footer: 'If it was not you, ignore this mail: your password stays as it is.',
  });
}

/** Sent after any password change (reset or account page) to the account's address. */
export function passwordChangedMail(origin: string, to: { email: string; name: string | null; username: string }, at: Date): MailMessage {
  return compose(origin, {
    to: to.email,
    subject: 'Your password was changed',
    greeting: to.name ?? to.username,
    paragraphs: [
      `The password of the account "${to.username}" at ${origin} was changed on ${at.toUTCString()}.`,
      'Every session of the account was signed out.',
    ],
    action: { label: 'Sign in', url: `${origin}/login` },
    footer: `If it was not you, use "Forgot password?" at ${origin}/login at once.`,
  });
}

/** What changed about an account's second factor (one notice mail each). */
export type SecondFactorNotice =
  | { kind: 'totp-enabled' }
  | { kind: 'totp-disabled' }
  | { kind: 'recovery-code-used'; left: number }
  | { kind: 'recovery-codes-regenerated' }
  | { kind: 'passkey-added'; name: string; synced: boolean }
  | { kind: 'passkey-removed'; name: string };

function noticeText(notice: SecondFactorNotice): { subject: string; what: string[] } {
  switch (notice.kind) {
    case 'totp-enabled':
      return {
        subject: 'Two-step sign-in was turned on',
        what: ['Two-step sign-in with an authenticator app was turned on: signing in now takes a code from the app after the password.'],
      };
    case 'totp-disabled':
      return {
        subject: 'Two-step sign-in was turned off',
        what: ['Two-step sign-in was turned off: the password alone now signs in to the account. Its recovery codes no longer work.'],
      };
    case 'recovery-code-used':
      return {
        subject: 'A recovery code was used',
        what: [
          'A recovery code was used in place of a code from the authenticator app.',
          notice.left === 0
            ? 'No recovery codes are left: make new ones from your account page.'
            : `${notice.left} recovery code${notice.left === 1 ? ' is' : 's are'} left. Each works once.`,
        ],
      };
    case 'recovery-codes-regenerated':
      return { subject: 'New recovery codes were made', what: ['New recovery codes were made for the account: every older recovery code stopped working.'] };
    case 'passkey-added':
      return {
        subject: 'A passkey was added',
        what: [
          `A passkey named "${notice.name}" was added: it signs in to the account on its own, without the password.`,
          notice.synced ? 'It is a synced passkey: its provider may copy it to your other devices.' : 'It is bound to one device or security key.',
        ],
      };
    case 'passkey-removed':
      return { subject: 'A passkey was removed', what: [`The passkey named "${notice.name}" was removed: it no longer signs in to the account.`] };
    default: {
      const unreachable: never = notice;
      return unreachable;
    }
  }
}

/**
 * Sent to the account's address when its second factor changes or a
 * recovery code is used (issue 14, item 6): a person whose session or codes
 * were taken learns of it. Holds no code, secret or link with a token.
 */
export function secondFactorNoticeMail(origin: string, to: { email: string; name: string | null; username: string }, notice: SecondFactorNotice, at: Date): MailMessage {
  const { subject, what } = noticeText(notice);
  return compose(origin, {
    to: to.email,
    subject,
    greeting: to.name ?? to.username,
    paragraphs: [`On ${at.toUTCString()}, for the account "${to.username}" at ${origin}:`, ...what],
    action: { label: 'Review your account', url: `${origin}/account` },
    footer: `If it was not you, change your password at once (or use "Forgot password?" at ${origin}/login), then sign out everywhere from your account page.`,
  });
}

/** Sent once an account is deleted (by its owner or an operator), to the address it had. */
export function accountDeletedMail(origin: string, to: { email: string; name: string | null; username: string }, at: Date, by: 'self' | 'operator'): MailMessage {
  return compose(origin, {
    to: to.email,
    subject: 'Your account was deleted',
    greeting: to.name ?? to.username,
    paragraphs: [
      `The account "${to.username}" at ${origin} was deleted on ${at.toUTCString()}${by === 'operator' ? ' by an administrator' : ''}.`,
      'Every session of the account was signed out, and the apps of this domain delete what they kept about it.',
    ],
    footer: 'If you did not ask for this, reply to your administrator at once.',
  });
}

type Recipient = { email: string; name: string | null; username: string };

/** The verification link mail (sign-up, resend). `link` is built from APP1_ORIGIN by the caller. */
export function verifyEmailMail(origin: string, to: Recipient, link: string, ttlHours: number): MailMessage {
  return compose(origin, {
    to: to.email,
    subject: 'Confirm your email address',
    greeting: to.name ?? to.username,
    paragraphs: [
      `Confirm that ${to.email} is the address of the account "${to.username}" at ${origin}.`,
      `The link below works once, for ${ttlHours} hours. Only the newest link we sent works.`,
    ],
    action: { label: 'Confirm my address', url: link },
    footer: 'If you did not create this account, ignore this mail: the address stays unconfirmed.',
  });
}

/** Sent to the NEW address of an email change: the change happens only when this link is used. */
export function confirmEmailChangeMail(origin: string, to: Recipient, newEmail: string, link: string, ttlHours: number): MailMessage {
  return compose(origin, {
    to: newEmail,
    subject: 'Confirm your new email address',
    greeting: to.name ?? to.username,
    paragraphs: [
      `Someone signed in to the account "${to.username}" at ${origin} asked to use ${newEmail} as its address.`,
      `The address changes only when the link below is used. It works once, for ${ttlHours} hours.`,
    ],
    action: { label: 'Use this address', url: link },
    footer: 'If it was not you, ignore this mail: nothing changes.',
  });
}

/** Sent to the OLD address when an email change is asked for: a person whose session was taken over learns of it. */
export function emailChangeNoticeMail(origin: string, to: Recipient & { email: string }, newEmail: string, at: Date): MailMessage {
  return compose(origin, {
    to: to.email,
    subject: 'A change of your email address was asked for',
    greeting: to.name ?? to.username,
    paragraphs: [
      `On ${at.toUTCString()} someone signed in to the account "${to.username}" at ${origin} asked to change its address from ${to.email} to ${newEmail}.`,
      'The address changes only if the link sent to the new address is used.',
    ],
    action: { label: 'Review your account', url: `${origin}/account` },
    footer: `If it was not you, change your password at ${origin}/account at once: that also signs every session out.`,
  });
}
