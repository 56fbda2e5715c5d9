import { describe, expect, it } from 'vitest';
import { unknownVariableWarnings } from './env';

describe('unknownVariableWarnings', () => {
  const known = ['SSO_COOKIE_DOMAIN', 'SSO_TOKEN_TTL', 'APP1_PORT', 'APP2_PORT'];

  it('names a misspelled product variable and the known one it is closest to', () => {
    expect(unknownVariableWarnings({ SSO_COOKIE_DOMIAN: 'example.com' }, known)).toEqual([
      'SSO_COOKIE_DOMIAN is set but nothing reads it, so it has no effect. Did you mean SSO_COOKIE_DOMAIN? (Known variables: the configuration table in README.md.)',
    ]);
  });

  it('says nothing of known variables or of names outside the product prefixes', () => {
    expect(unknownVariableWarnings({ SSO_TOKEN_TTL: '30', APP1_PORT: '1', PATH: '/bin', HOME: '/root', NODE_OPTIONS: '' }, known)).toEqual([]);
  });

  it('offers no guess when nothing is close', () => {
    const [warning] = unknownVariableWarnings({ SMTP_SOMETHING_ELSE_ENTIRELY: 'x' }, known);
    expect(warning).toMatch(/^SMTP_SOMETHING_ELSE_ENTIRELY is set but nothing reads it/);
    expect(warning).not.toContain('Did you mean');
  });
});
