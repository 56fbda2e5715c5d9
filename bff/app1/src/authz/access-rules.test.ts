import { describe, expect, it } from 'vitest';
import { AccessRulesError, describePolicy, normalizePath, parseAccessRules } from './access-rules';

const D = 'sso.localhost';
const FILE = `
# host                 path      policy
app4.sso.localhost     /public   public
app4.sso.localhost     /admin    groups admins ops   # either group
app4.sso.localhost     /         signed_in
old.sso.localhost      /         deny
*.tools.sso.localhost  /         groups staff
`;

function lineError(text: string): AccessRulesError {
  try {
    parseAccessRules(text, D);
  } catch (err) {
    if (err instanceof AccessRulesError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('access rules: parsing', () => {
  it('reads host, path and policy per line, comments and blank lines ignored', () => {
    const { rules } = parseAccessRules(FILE, D);
    expect(rules.filter((r) => r.line > 0).map((r) => [r.line, r.host, r.path, r.policy.kind])).toEqual([
      [3, 'app4.sso.localhost', '/public', 'public'],
      [4, 'app4.sso.localhost', '/admin', 'groups'],
      [5, 'app4.sso.localhost', '/', 'signed_in'],
      [6, 'old.sso.localhost', '/', 'deny'],
      [7, '*.tools.sso.localhost', '/', 'groups'],
    ]);
    expect(rules[1]!.policy).toEqual({ kind: 'groups', groups: ['admins', 'ops'] });
  });

  it.each([
    ['app4.sso.localhost /', 2, 'expected "<host> <path> <policy>"'],
    ['app4.sso.localhost / maybe', 2, 'unknown policy "maybe"'],
    ['app4.sso.localhost / groups', 2, 'needs at least one group'],
    ['app4.sso.localhost / public extra', 2, 'takes no arguments'],
    ['app4.sso.localhost admin public', 2, 'must start with "/"'],
    ['app4.sso.localhost /a/../b public', 2, 'plain path'],
    ['app4.sso.localhost /%61 public', 2, 'plain path'],
    ['https://app4.sso.localhost / public', 2, 'is not a host name'],
    ['app4.sso.localhost:8080 / public', 2, 'is not a host name'],
    ['evil.test / signed_in', 2, 'not under SSO_COOKIE_DOMAIN'],
    ['sso.localhost.evil.test / signed_in', 2, 'not under SSO_COOKIE_DOMAIN'],
    ['app4.sso.localhost / mfa 0', 2, '"mfa" takes a maximum age in whole seconds'],
    ['app4.sso.localhost / mfa -5', 2, '"mfa" takes a maximum age in whole seconds'],
    ['app4.sso.localhost / mfa 1.5', 2, '"mfa" takes a maximum age in whole seconds'],
    ['app4.sso.localhost / mfa 10m', 2, '"mfa" takes a maximum age in whole seconds'],
    ['app4.sso.localhost / mfa 31536001', 2, '"mfa" takes a maximum age in whole seconds'],
    ['app4.sso.localhost / mfa admins', 2, '"mfa" takes a maximum age in whole seconds'],
    ['app4.sso.localhost / mfa 600 600', 2, 'only "groups <name>..." may follow'],
    ['app4.sso.localhost / mfa 600 admins', 2, 'only "groups <name>..." may follow'],
    ['app4.sso.localhost / mfa groups', 2, 'needs at least one group'],
    ['app4.sso.localhost / mfa 600 groups', 2, 'needs at least one group'],
    ['app4.sso.localhost / mfa groups bad,name', 2, 'is not a group name'],
    ['app4.sso.localhost / groups bad,name', 2, 'is not a group name'],
  ])('%j is refused with its line number', (rule, line, message) => {
    const err = lineError(`# first line\n${rule}\n`);
    expect(err.line).toBe(line);
    expect(err.message).toContain(message);
  });

  it.each([
    ['mfa', { kind: 'mfa', maxAuthAge: undefined, groups: null }],
    ['mfa 600', { kind: 'mfa', maxAuthAge: 600, groups: null }],
    ['mfa groups admins ops', { kind: 'mfa', maxAuthAge: undefined, groups: ['admins', 'ops'] }],
    ['mfa   300   groups admins admins', { kind: 'mfa', maxAuthAge: 300, groups: ['admins'] }],
    ['mfa 31536000', { kind: 'mfa', maxAuthAge: 31536000, groups: null }],
  ])('"%s" is a second-factor rule (optionally a max age in seconds, then groups)', (policy, expected) => {
    const rules = parseAccessRules(`app4.sso.localhost /secure ${policy}\n`, D);
    expect(rules.rules[0]!.policy).toEqual(expected);
    expect(rules.match('app4.sso.localhost', '/secure/x')!.line).toBe(1);
    expect(describePolicy(rules.rules[0]!.policy)).toBe(policy.replace(/\s+/g, ' ').replace('admins admins', 'admins'));
    // A host with an mfa rule is a place to come back to after sign-in or step-up.
    expect(rules.allowsReturnTo('http://app4.sso.localhost:8080')).toBe(true);
  });

  it('a rule that an earlier rule always matches first is refused (it would silently never apply)', () => {
    const err = lineError('app4.sso.localhost / signed_in\napp4.sso.localhost /admin groups admins\n');
    expect(err.line).toBe(2);
    expect(err.message).toContain('line 1');
    expect(lineError('*.sso.localhost /x public\n\napp4.sso.localhost /x/y deny\n').line).toBe(3);
  });
});

describe('access rules: matching', () => {
  const rules = parseAccessRules(FILE, D);
  const kind = (host: string, path: string) => rules.match(host, normalizePath(path)!)?.policy.kind ?? 'no rule';

  it('the first matching rule decides; prefixes match whole segments', () => {
    expect(kind('app4.sso.localhost', '/public/logo.png')).toBe('public');
    expect(kind('app4.sso.localhost', '/admin')).toBe('groups');
    expect(kind('app4.sso.localhost', '/admin/users')).toBe('groups');
    expect(kind('app4.sso.localhost', '/administrator')).toBe('signed_in');
    expect(kind('APP4.sso.localhost', '/')).toBe('signed_in');
    expect(kind('old.sso.localhost', '/anything')).toBe('deny');
    expect(kind('a.tools.sso.localhost', '/')).toBe('groups');
    expect(kind('tools.sso.localhost', '/')).toBe('signed_in'); // *.x is hosts under x, not x
  });

  it('without a rule: hosts under the parent domain need a sign-in, other hosts have no rule (denied)', () => {
    expect(kind('new.sso.localhost', '/')).toBe('signed_in');
    expect(kind('sso.localhost', '/')).toBe('signed_in');
    expect(kind('evil.test', '/')).toBe('no rule');
    expect(kind('sso.localhost.evil.test', '/')).toBe('no rule');
    expect(kind('xsso.localhost', '/')).toBe('no rule');
  });

  it.each(['/public/../admin', '/public/%2e%2e/admin', '/public%2f..%2fadmin', '/%61dmin', '//admin', '/ADMIN', '/public\\..\\admin', '/./admin/'])(
    '%j is read as /admin, as an upstream would read it (no way round a group rule)',
    (path) => {
      expect(kind('app4.sso.localhost', new URL(`http://x${path}`).pathname)).toBe('groups');
    },
  );

  it('a path that does not decode is refused', () => {
    expect(normalizePath('/%E0%A4%A')).toBeNull();
    expect(normalizePath('/a%00b')).toBeNull();
  });

  it('returnTo may go to hosts the file lets through, not to denied ones nor to every host under the domain', () => {
    expect(rules.allowsReturnTo('http://app4.sso.localhost:8080')).toBe(true);
    expect(rules.allowsReturnTo('https://x.tools.sso.localhost')).toBe(true);
    expect(rules.allowsReturnTo('http://old.sso.localhost')).toBe(false);
    expect(rules.allowsReturnTo('http://unnamed.sso.localhost')).toBe(false);
    expect(rules.allowsReturnTo('http://evil.test')).toBe(false);
  });
});
