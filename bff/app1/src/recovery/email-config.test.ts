import { describe, expect, it } from 'vitest';
import { ConfigError } from '@sso/bff-common';
import { loadConfig } from '../config';

describe('email verification settings (ADR 030)', () => {
  it('default: the gate is off, links work a day, 5 mails per account an hour, 20 requests per address', () => {
    expect(loadConfig({})).toMatchObject({ requireVerifiedEmail: false, emailTokenTtlSeconds: 86_400, emailMailsPerAccount: 5, emailRequestsPerAddress: 20 });
  });

  it('SSO_REQUIRE_VERIFIED_EMAIL takes true/false/1/0 in any case; anything else stops start-up naming the variable', () => {
    expect(loadConfig({ SSO_REQUIRE_VERIFIED_EMAIL: 'TRUE' }).requireVerifiedEmail).toBe(true);
    expect(loadConfig({ SSO_REQUIRE_VERIFIED_EMAIL: '1' }).requireVerifiedEmail).toBe(true);
    expect(loadConfig({ SSO_REQUIRE_VERIFIED_EMAIL: 'false' }).requireVerifiedEmail).toBe(false);
    expect(() => loadConfig({ SSO_REQUIRE_VERIFIED_EMAIL: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ SSO_REQUIRE_VERIFIED_EMAIL: 'yes' })).toThrow(/SSO_REQUIRE_VERIFIED_EMAIL/);
  });

  it('a link lifetime outside 5 minutes to 7 days, or a zero limit, stops start-up', () => {
    expect(() => loadConfig({ SSO_EMAIL_TOKEN_TTL: '60' })).toThrow(/SSO_EMAIL_TOKEN_TTL/);
    expect(() => loadConfig({ SSO_EMAIL_TOKEN_TTL: String(8 * 86_400) })).toThrow(/SSO_EMAIL_TOKEN_TTL/);
    expect(() => loadConfig({ SSO_EMAIL_MAILS_PER_ACCOUNT: '0' })).toThrow(/SSO_EMAIL_MAILS_PER_ACCOUNT/);
    expect(() => loadConfig({ SSO_EMAIL_REQUESTS_PER_ADDRESS: 'many' })).toThrow(/SSO_EMAIL_REQUESTS_PER_ADDRESS/);
  });
});
