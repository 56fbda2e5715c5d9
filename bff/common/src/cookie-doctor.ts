import { isIP } from 'node:net';
import { parse } from 'tldts';

export interface CookieDiagnosis {
  /** Reasons a browser would drop or never send the cookie: start-up must stop. */
  errors: string[];
  /** Things that work here but would not in production. */
  warnings: string[];
}

/**
 * What a browser will do with `Domain=<domain>; Secure` cookies for these
 * origins. Refuses a public suffix (`co.uk`, `github.io`: browsers reject
 * it), bare `localhost` and IP addresses (no Domain cookie possible), and
 * origins outside the domain (they would never receive the cookie).
 */
export function diagnoseCookieDomain(domain: string, origins: readonly { name: string; origin: string }[]): CookieDiagnosis {
  const errors: string[] = [];
  const warnings: string[] = [];
  const d = domain.toLowerCase().replace(/^\./, '');

  if (d === 'localhost') {
    errors.push('SSO_COOKIE_DOMAIN=localhost is rejected by browsers (InvalidDomain). Use a parent domain such as sso.localhost and hosts like app1.sso.localhost.');
  } else if (isIP(d) !== 0) {
    errors.push(`SSO_COOKIE_DOMAIN=${d} is an IP address; a cookie cannot be shared across hosts of an IP. Use a domain name such as sso.localhost.`);
  } else {
    const info = parse(d, { allowPrivateDomains: true });
    if (!d.includes('.') || info.publicSuffix === d || info.domain === null) {
      errors.push(`SSO_COOKIE_DOMAIN=${d} is a public suffix; browsers refuse cookies for it. Use a domain you own, e.g. example.com.`);
    }
  }

  for (const { name, origin } of origins) {
    const url = new URL(origin);
    const host = url.hostname;
    if (host !== d && !host.endsWith(`.${d}`)) {
      errors.push(`${name}=${origin} is not under SSO_COOKIE_DOMAIN=${d}, so the browser would never send it the cookie. Use a host under ${d} or change the cookie domain.`);
    }
    const localhost = host === 'localhost' || host.endsWith('.localhost');
    if (url.protocol === 'http:' && !localhost) {
      warnings.push(`${name}=${origin} is plain http outside *.localhost: browsers will not store the Secure session cookie there. Serve it over https.`);
    }
  }
  return { errors, warnings };
}
