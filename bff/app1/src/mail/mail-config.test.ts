import { describe, expect, it } from 'vitest';
import { ConfigError } from '@sso/bff-common';
import { loadConfig } from '../config';

describe('mail configuration', () => {
  it('defaults to the file outbox, 30-minute links, no-reply@<cookie domain>', () => {
    const c = loadConfig({});
    expect([c.mailTransport, c.smtpUrl, c.mailFrom, c.resetTokenTtlSeconds]).toEqual(['file', null, 'no-reply@sso.localhost', 1800]);
  });

  it('MAIL_TRANSPORT=smtp without SMTP_URL stops start-up naming both and the fix', () => {
    expect(() => loadConfig({ MAIL_TRANSPORT: 'smtp' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAIL_TRANSPORT: 'smtp' })).toThrow(/MAIL_TRANSPORT=smtp needs SMTP_URL/);
  });

  it('an SMTP_URL that is not smtp:// or smtps:// is refused without echoing its password', () => {
    let message = '';
    try {
      loadConfig({ MAIL_TRANSPORT: 'smtp', SMTP_URL: 'http://mailer:hunter2secret@mail.example.com' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/SMTP_URL .* must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(message).not.toContain('hunter2secret');
  });

  it('a MAIL_FROM with a line break (header injection) and a bad MAIL_TRANSPORT are refused', () => {
    expect(() => loadConfig({ MAIL_FROM: 'a@example.com\r\nBcc: all@example.com' })).toThrow(/MAIL_FROM/);
    expect(() => loadConfig({ MAIL_TRANSPORT: 'pigeon' })).toThrow(/MAIL_TRANSPORT/);
    expect(() => loadConfig({ SSO_RESET_TOKEN_TTL: '10' })).toThrow(/SSO_RESET_TOKEN_TTL/);
  });
});
