import type { App1Config } from '../bff/app1/src/config';
import { describePolicy } from '../bff/app1/src/authz/access-rules';

export type DoctorLine = { level: 'ok' | 'warn' | 'bad' | 'info'; text: string };

/**
 * `npm run doctor`, forward auth: the rules app 1 will apply, and what app 1
 * answers this machine on GET /api/authz/auth-request (as a proxy on this
 * machine would ask). Warnings only: the proxy may run elsewhere.
 */
export async function checkForwardAuth(config: App1Config, app1Url = `http://127.0.0.1:${config.port}`): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  const fileRules = config.accessRules.rules.filter((r) => r.line > 0);
  lines.push({ level: 'info', text: `${fileRules.length} rule(s) from SSO_ACCESS_RULES, then: every host under ${config.cookieDomain} needs a sign-in, other hosts are denied` });
  for (const r of fileRules) lines.push({ level: 'info', text: `  line ${r.line}: ${r.host} ${r.path} ${describePolicy(r.policy)}` });
  if (config.trustProxy === false) lines.push({ level: 'warn', text: 'TRUST_PROXY is off: forward auth refuses every proxy. Set it to the proxy\'s address (loopback for one on this machine).' });
  const url = `${app1Url}/api/authz/auth-request`;
  const probe = `http://doctor-check.${config.cookieDomain}/`;
  try {
    const res = await fetch(url, { headers: { 'x-original-url': probe }, redirect: 'manual', signal: AbortSignal.timeout(2000) });
    if (res.status === 401 && res.headers.get('location')?.startsWith(`${config.origin}/login?returnTo=`)) {
      lines.push({ level: 'ok', text: `${url} answers a proxy on this machine (not signed in: 401, sign in at ${config.origin}/login)` });
    } else if (res.status === 403) {
      lines.push({ level: 'warn', text: `${url} refuses this machine (403): a proxy here is not in app 1's TRUST_PROXY` });
    } else {
      lines.push({ level: 'warn', text: `${url} answered ${res.status}, expected 401 for a request with no session` });
    }
  } catch (err) {
    lines.push({ level: 'warn', text: `${url} does not answer (${(err as Error).message}). Is app 1 running?` });
  }
  return lines;
}
