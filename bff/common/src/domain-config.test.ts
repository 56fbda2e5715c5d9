import { describe, expect, it } from 'vitest';
import { DomainEnvSchema, resolveDomainConfig } from './domain-config';
import { parseEnv } from './env';
import { diagnoseCookieDomain } from './cookie-doctor';

const load = (env: Record<string, string>) => resolveDomainConfig(parseEnv(DomainEnvSchema, env, 'Test app'), 'Test app');

describe('domain config', () => {
  it('works with no configuration at all', () => {
    const config = load({});
    expect(config.app1Origin).toBe('http://app1.sso.localhost:3001');
    expect(config.app2Origin).toBe('http://app2.sso.localhost:3002');
    expect(config.audience).toBe('sso.localhost');
    expect(config.warnings).toEqual([]);
  });

  it.each([
    [{ APP1_PORT: 'abc' }, /APP1_PORT="abc": must be a port number/],
    [{ SSO_TOKEN_TTL: '5' }, /SSO_TOKEN_TTL="5": must be at least 30 seconds/],
    [{ SSO_TOKEN_ALG: 'RS256' }, /SSO_TOKEN_ALG="RS256": must be EdDSA or HS256/],
    [{ APP1_ORIGIN: 'http://app1.sso.localhost:3001/' }, /APP1_ORIGIN=.*no path or trailing slash/],
    [{ SSO_TOKEN_ALG: 'HS256' }, /SSO_HS256_SECRET: at least 32 random bytes/],
    [{ SSO_TOKEN_ALG: 'HS256', SSO_HS256_SECRET: 'too-short' }, /SSO_HS256_SECRET: .*at least 32 random bytes/],
    [{ SSO_COOKIE_DOMAIN: 'localhost' }, /refused by browsers|rejected by browsers/],
    [{ SSO_COOKIE_DOMAIN: '127.0.0.1', APP1_ORIGIN: 'http://127.0.0.1:3001', APP2_ORIGIN: 'http://127.0.0.1:3002' }, /IP address/],
    [{ SSO_COOKIE_DOMAIN: 'co.uk', APP1_ORIGIN: 'https://a.co.uk', APP2_ORIGIN: 'https://b.co.uk' }, /public suffix/],
    [{ SSO_COOKIE_DOMAIN: 'github.io', APP1_ORIGIN: 'https://a.github.io', APP2_ORIGIN: 'https://b.github.io' }, /public suffix/],
    [{ APP2_ORIGIN: 'http://app2.other.localhost:3002' }, /APP2_ORIGIN=.* is not under SSO_COOKIE_DOMAIN=sso.localhost/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY="true": must not be "true"/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => load(env)).toThrow(message);
  });

  it('TRUST_PROXY takes a hop count or proxy addresses, off by default', () => {
    expect(load({}).trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(load({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it('warns when Secure cookies meet plain-http origins outside *.localhost', () => {
    const config = load({ SSO_COOKIE_DOMAIN: 'example.com', APP1_ORIGIN: 'http://id.example.com', APP2_ORIGIN: 'https://app.example.com' });
    expect(config.warnings).toEqual([expect.stringMatching(/APP1_ORIGIN=http:\/\/id\.example\.com is plain http outside \*\.localhost/)]);
  });

  it('the doctor accepts a real parent domain with https apps', () => {
    expect(diagnoseCookieDomain('example.com', [{ name: 'A', origin: 'https://login.example.com' }])).toEqual({ errors: [], warnings: [] });
  });
});
