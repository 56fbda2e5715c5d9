import type { Request } from 'express';
import { normalizePath } from './access-rules';

/** The request a reverse proxy asks about. */
export interface ProxyTarget {
  /** The URL the browser asked for (where to come back to after sign-in). */
  url: URL;
  method: string;
  /** The path as the rules see it (normalizePath). */
  path: string;
}

export type TargetResult = { ok: true; target: ProxyTarget } | { ok: false; code: 'UNTRUSTED_PROXY' | 'MISSING_TARGET' | 'BAD_TARGET'; detail: string };

/** Which headers carry the original request: nginx's auth_request, or Caddy's / Traefik's forward auth. */
export type TargetProtocol = 'auth-request' | 'forward-auth';

const header = (req: Request, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * True when the peer is a proxy listed in TRUST_PROXY. Express compiles the
 * setting into `trust proxy fn` (addresses, CIDRs, `loopback`, or a hop
 * count, where the direct peer is hop 0).
 */
export function fromTrustedProxy(req: Request): boolean {
  const trust = req.app.get('trust proxy fn') as ((addr: string, i: number) => boolean) | undefined;
  const peer = req.socket.remoteAddress;
  return peer !== undefined && trust !== undefined && trust(peer, 0);
}

/**
 * The original request, from the forwarded headers of a trusted proxy only:
 * anyone else could name any URL (and be told about it, or be handed a
 * login URL that returns to it).
 */
export function readProxyTarget(req: Request, protocol: TargetProtocol): TargetResult {
  if (!fromTrustedProxy(req)) {
    return { ok: false, code: 'UNTRUSTED_PROXY', detail: 'Forward auth answers only proxies listed in TRUST_PROXY.' };
  }
  let raw: string | undefined;
  let method: string | undefined;
  if (protocol === 'auth-request') {
    raw = header(req, 'x-original-url');
    method = header(req, 'x-original-method');
    if (raw === undefined) return { ok: false, code: 'MISSING_TARGET', detail: 'X-Original-URL is missing: set it in the proxy (see examples/nginx).' };
  } else {
    const proto = header(req, 'x-forwarded-proto');
    const host = header(req, 'x-forwarded-host');
    const uri = header(req, 'x-forwarded-uri') ?? '/';
    method = header(req, 'x-forwarded-method');
    if (proto === undefined || host === undefined) return { ok: false, code: 'MISSING_TARGET', detail: 'X-Forwarded-Proto and X-Forwarded-Host are required.' };
    if (proto !== 'http' && proto !== 'https') return { ok: false, code: 'BAD_TARGET', detail: 'X-Forwarded-Proto must be http or https.' };
    if (!uri.startsWith('/') || uri.startsWith('//')) return { ok: false, code: 'BAD_TARGET', detail: 'X-Forwarded-Uri must be a path.' };
    raw = `${proto}://${host}${uri}`;
  }
  if (raw.length > 8192) return { ok: false, code: 'BAD_TARGET', detail: 'The original URL is too long.' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, code: 'BAD_TARGET', detail: 'The original URL does not parse.' };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
    return { ok: false, code: 'BAD_TARGET', detail: 'The original URL must be http(s), without credentials.' };
  }
  const path = normalizePath(url.pathname);
  if (path === null) return { ok: false, code: 'BAD_TARGET', detail: 'The original path does not decode.' };
  return { ok: true, target: { url, method: (method ?? 'GET').toUpperCase(), path } };
}
