import { describe, expect, it } from 'vitest';
import { ConfigError } from '@sso/bff-common';
import { loadConfig } from '../config';

describe('passkey configuration', () => {
  it("the RP ID is app 1's host by default, with a 120 s challenge and 20 passkeys per account", () => {
    expect(loadConfig({}).passkeys).toEqual({ rpId: 'app1.sso.localhost', challengeTtlSeconds: 120, maxPerUser: 20 });
  });

  it('SSO_PASSKEY_RP_ID may be the parent domain of app 1', () => {
    expect(loadConfig({ SSO_PASSKEY_RP_ID: 'SSO.localhost' }).passkeys.rpId).toBe('sso.localhost');
  });

  it('an RP ID that is not app 1 or a parent of it, or a bare top-level name, stops start-up naming the variable', () => {
    for (const rpId of ['app2.sso.localhost', 'localhost', 'example.com', 'pp1.sso.localhost']) {
      expect(() => loadConfig({ SSO_PASSKEY_RP_ID: rpId }), rpId).toThrow(ConfigError);
      expect(() => loadConfig({ SSO_PASSKEY_RP_ID: rpId }), rpId).toThrow(/SSO_PASSKEY_RP_ID/);
    }
  });

  it('a challenge lifetime outside 30 to 600 s stops start-up', () => {
    expect(() => loadConfig({ SSO_PASSKEY_CHALLENGE_TTL: '5' })).toThrow(/SSO_PASSKEY_CHALLENGE_TTL/);
    expect(() => loadConfig({ SSO_PASSKEY_CHALLENGE_TTL: '601' })).toThrow(/SSO_PASSKEY_CHALLENGE_TTL/);
  });
});
