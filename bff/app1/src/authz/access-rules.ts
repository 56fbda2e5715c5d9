import path from 'node:path';

/**
 * Access rules for forward auth (ADR 016): which requests a reverse proxy
 * may pass, by host and path prefix. The rules file has one rule a line:
 *
 *     # host              path      policy
 *     wiki.example.com    /public   public
 *     wiki.example.com    /admin    groups admins ops
 *     wiki.example.com    /settings mfa 600 groups admins
 *     wiki.example.com    /private  mfa
 *     *.example.com       /         signed_in
 *     old.example.com     /         deny
 *
 * The first rule that matches decides. After the file's rules come the
 * defaults: the parent domain and every host under it need a sign-in; any
 * other host is denied (the session cookie never reaches it anyway).
 */
export type Policy =
  | { kind: 'public' }
  | { kind: 'signed_in' }
  | { kind: 'groups'; groups: readonly string[] }
  /**
   * A second factor in the session (`mfa` in its amr), proved at most
   * `maxAuthAge` seconds ago when given; with `groups`, also one of them.
   * Syntax: `mfa [<seconds>] [groups <name>...]`.
   */
  | { kind: 'mfa'; maxAuthAge: number | undefined; groups: readonly string[] | null }
  | { kind: 'deny' };

/** The policy as the rules file spells it (for the doctor and logs). */
export function describePolicy(policy: Policy): string {
  switch (policy.kind) {
    case 'groups':
      return `groups ${policy.groups.join(' ')}`;
    case 'mfa':
      return ['mfa', ...(policy.maxAuthAge !== undefined ? [String(policy.maxAuthAge)] : []), ...(policy.groups ? ['groups', ...policy.groups] : [])].join(' ');
    default:
      return policy.kind;
  }
}

export interface AccessRule {
  /** Lower-case hostname, or `*.suffix` for every host under `suffix`. */
  readonly host: string;
  /** Path prefix, matched by whole segments (`/admin` covers `/admin/x`, not `/administrator`). */
  readonly path: string;
  readonly policy: Policy;
  /** 1-based line in the rules file; 0 for a default rule. */
  readonly line: number;
}

export interface AccessRules {
  readonly rules: readonly AccessRule[];
  /** The rule for this request, or null: the host is neither a rule's nor under the parent domain (denied). */
  match(hostname: string, pathname: string): AccessRule | null;
  /**
   * True when a browser may be sent back to this origin after sign-in: a
   * host named by a rule of the file that lets someone through. The defaults
   * do not widen returnTo to every host under the parent domain.
   */
  allowsReturnTo(origin: string): boolean;
}

export class AccessRulesError extends Error {
  override readonly name = 'AccessRulesError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const GROUP = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;
const POLICIES = 'public, signed_in, groups <name>..., mfa [<seconds>] [groups <name>...], deny';
/** The largest `mfa` max age: a year, in seconds. */
const MAX_AUTH_AGE_LIMIT = 365 * 24 * 3600;

/** True when `hostname` is `domain` itself or a host under it. */
export function isUnderDomain(hostname: string, domain: string): boolean {
  return hostname === domain || hostname.endsWith(`.${domain}`);
}

function hostMatches(pattern: string, hostname: string): boolean {
  return pattern.startsWith('*.') ? hostname.endsWith(pattern.slice(1)) : hostname === pattern;
}

/** True when every host `inner` matches is matched by `outer` as well. */
function hostCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  if (!outer.startsWith('*.')) return false;
  const bare = inner.startsWith('*.') ? inner.slice(2) : inner;
  return bare.endsWith(outer.slice(1));
}

function pathMatches(prefix: string, pathname: string): boolean {
  if (prefix === '/' || pathname === prefix) return true;
  return pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

function parsePolicy(words: string[], line: number): Policy {
  const [kind, ...args] = words;
  switch (kind) {
    case 'public':
    case 'signed_in':
    case 'deny':
      if (args.length) throw new AccessRulesError(line, `"${kind}" takes no arguments (found "${args.join(' ')}").`);
      return { kind };
    case 'groups':
      return { kind: 'groups', groups: parseGroups(args, line) };
    case 'mfa': {
      let rest = args;
      let maxAuthAge: number | undefined;
      if (rest[0] !== undefined && rest[0] !== 'groups') {
        if (!/^\d{1,9}$/.test(rest[0]) || Number(rest[0]) < 1 || Number(rest[0]) > MAX_AUTH_AGE_LIMIT) {
          throw new AccessRulesError(line, `"mfa" takes a maximum age in whole seconds (1 to ${MAX_AUTH_AGE_LIMIT}), then optionally "groups <name>...": mfa 600 groups admins (found "${rest[0]}").`);
        }
        maxAuthAge = Number(rest[0]);
        rest = rest.slice(1);
      }
      if (!rest.length) return { kind: 'mfa', maxAuthAge, groups: null };
      if (rest[0] !== 'groups') throw new AccessRulesError(line, `after "mfa ${maxAuthAge}" only "groups <name>..." may follow (found "${rest.join(' ')}").`);
      return { kind: 'mfa', maxAuthAge, groups: parseGroups(rest.slice(1), line) };
    }
    default:
      throw new AccessRulesError(line, `unknown policy "${kind}". Use one of: ${POLICIES}.`);
  }
}

function parseGroups(names: string[], line: number): readonly string[] {
  if (!names.length) throw new AccessRulesError(line, '"groups" needs at least one group name: groups admins ops');
  const bad = names.find((g) => !GROUP.test(g));
  if (bad !== undefined) throw new AccessRulesError(line, `"${bad}" is not a group name (letters, digits and . _ : @ -, at most 64).`);
  return Object.freeze([...new Set(names)]);
}

function parseHost(word: string, line: number, parentDomain: string): string {
  const host = word.toLowerCase();
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  if (!HOSTNAME.test(bare)) throw new AccessRulesError(line, `"${word}" is not a host name (a name like app.${parentDomain}, or *.${parentDomain}; no scheme, port or path).`);
  if (!isUnderDomain(bare, parentDomain)) {
    throw new AccessRulesError(line, `"${word}" is not under SSO_COOKIE_DOMAIN (${parentDomain}): the session cookie never reaches it, so nobody could ever pass.`);
  }
  return host;
}

function parsePath(word: string, line: number): string {
  if (!word.startsWith('/')) throw new AccessRulesError(line, `path "${word}" must start with "/".`);
  if (/[\s%?#\\]/.test(word) || normalizePath(word) !== word) {
    throw new AccessRulesError(line, `path "${word}" must be a plain path: no "%", "?", "#", "\\", "//", "." or ".." segments.`);
  }
  return word.toLowerCase();
}

/**
 * The path as the rules see it: percent-decoded once, backslashes read as
 * slashes, dot segments resolved, repeated slashes merged, lower-case (so
 * that `/x/../ADMIN`, `/%61dmin` and `//admin` are all `/admin`, as most
 * upstreams would read them). Null when it does not decode.
 */
export function normalizePath(raw: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return null;
  const normalized = path.posix.normalize(decoded.replaceAll('\\', '/'));
  return (normalized.startsWith('/') ? normalized : `/${normalized}`).toLowerCase();
}

/**
 * Parses a rules file. Throws AccessRulesError with the line number on the
 * first mistake, including a rule that can never match because an earlier
 * one always matches first.
 */
export function parseAccessRules(text: string, parentDomain: string): AccessRules {
  const rules: AccessRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/#.*$/, '').trim();
    if (!content) return;
    const [hostWord, pathWord, ...policyWords] = content.split(/\s+/);
    if (!pathWord || !policyWords.length) throw new AccessRulesError(line, `expected "<host> <path> <policy>", found "${content}".`);
    const rule: AccessRule = { host: parseHost(hostWord!, line, parentDomain), path: parsePath(pathWord, line), policy: parsePolicy(policyWords, line), line };
    const earlier = rules.find((r) => hostCovers(r.host, rule.host) && pathMatches(r.path, rule.path));
    if (earlier) {
      throw new AccessRulesError(line, `this rule never applies: line ${earlier.line} (${earlier.host} ${earlier.path}) matches all of its requests first. Put the more specific rule first.`);
    }
    rules.push(rule);
  });
  return createAccessRules(rules, parentDomain);
}

/** The rules with the defaults after them. */
export function createAccessRules(fileRules: readonly AccessRule[], parentDomain: string): AccessRules {
  const defaults: AccessRule[] = [
    { host: parentDomain, path: '/', policy: { kind: 'signed_in' }, line: 0 },
    { host: `*.${parentDomain}`, path: '/', policy: { kind: 'signed_in' }, line: 0 },
  ];
  const rules = Object.freeze([...fileRules, ...defaults]);
  const match = (hostname: string, pathname: string) => {
    const host = hostname.toLowerCase();
    return rules.find((r) => hostMatches(r.host, host) && pathMatches(r.path, pathname)) ?? null;
  };
  return {
    rules,
    match,
    allowsReturnTo(origin) {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
      const host = url.hostname.toLowerCase();
      // A host whose every path is denied (a "/ deny" before any other rule for it) is no place to send anyone.
      for (const r of fileRules) {
        if (!hostMatches(r.host, host)) continue;
        if (r.policy.kind !== 'deny') return true;
        if (r.path === '/') return false;
      }
      return false;
    },
  };
}
