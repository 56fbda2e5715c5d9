/**
 * Where to send the browser after sign-in: the requested `returnTo` only if it
 * is an absolute http(s) URL on one of our app origins, else app 1's home.
 * Anything unusual falls back, rather than being "cleaned": protocol-relative
 * (`//evil.test`), backslashes, missing slashes (`https:evil.test`), encoded
 * or whitespace-prefixed tricks, credentials (`...:3001@evil.test`), control
 * characters (CR/LF header injection) and non-http schemes (`javascript:`).
 * `onRefusedOrigin` hears of a real page on an origin that is no app of ours.
 */
export function safeRedirect(
  returnTo: string | undefined,
  allowedOrigins: readonly string[] | ((origin: string) => boolean),
  home: string,
  onRefusedOrigin?: (origin: string) => void,
): string {
  if (!returnTo || returnTo.length > 2048) return home;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(returnTo)) return home;
  if (!/^https?:\/\/[^/]/i.test(returnTo)) return home;
  let url: URL;
  try {
    url = new URL(returnTo);
  } catch {
    return home;
  }
  if (url.username !== '' || url.password !== '') return home;
  if (typeof allowedOrigins === 'function' ? !allowedOrigins(url.origin) : !allowedOrigins.includes(url.origin)) {
    onRefusedOrigin?.(url.origin);
    return home;
  }
  return url.href;
}

/**
 * Where app 1 may send a browser back to: the app origins, and the hosts a
 * reverse proxy guards with forward auth that the rules file names (ADR 016).
 */
export function returnToOrigins(config: { appOrigins: readonly string[]; accessRules: { allowsReturnTo(origin: string): boolean } }): (origin: string) => boolean {
  const apps = new Set(config.appOrigins);
  return (origin) => apps.has(origin) || config.accessRules.allowsReturnTo(origin);
}

/**
 * For safeRedirect's `onRefusedOrigin`: logs the origin with the variable
 * that would allow it (a missing SSO_EXTRA_ORIGINS entry is the usual reason
 * a new app "loses" its sign-in round trip).
 */
export function logRefusedOrigin(req: { log: { warn(obj: object, msg: string): void } }): (origin: string) => void {
  return (origin) =>
    req.log.warn({ event: 'return-to.refused', origin }, `returnTo on ${origin} refused: not an app origin of this domain. If it is one of yours, add it to SSO_EXTRA_ORIGINS (or, behind forward auth, give its host a rule in SSO_ACCESS_RULES).`);
}
