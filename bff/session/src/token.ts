import { Buffer } from 'node:buffer';
import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTHeaderParameters, type FlattenedJWSInput, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { SessionError, type SessionErrorCode } from './errors';
import { MAX_GROUP_LENGTH, MAX_TOKEN_GROUPS, TOKEN_TYPE, type SsoClaims, type SubjectClaims } from './claims';

/** Default token lifetime: short, because a sibling subdomain can read it. */
export const DEFAULT_TOKEN_TTL_SECONDS = 600;
/** Clock skew tolerated between the identity app and relying apps. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/** HS256 secrets shorter than this are guessable offline from one token. */
export const HS256_MIN_SECRET_BYTES = 32;

/** An Ed25519 signing key with its JWKS key id. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** How tokens are signed: EdDSA (default) or the HS256 compatibility mode. */
export type SigningMethod =
  | { alg: 'EdDSA'; currentKey: () => SigningKey }
  | { alg: 'HS256'; secret: Uint8Array };

export type KeyResolver = (header: JWTHeaderParameters, token: FlattenedJWSInput) => Promise<KeyObject | CryptoKey | Uint8Array>;

/** How tokens are verified: a key resolver for EdDSA, the shared secret for HS256. */
export type VerificationMethod =
  | { alg: 'EdDSA'; getKey: KeyResolver }
  | { alg: 'HS256'; secret: Uint8Array };

export interface TokenSignerOptions {
  issuer: string;
  audience: string;
  ttlSeconds?: number;
  method: SigningMethod;
  /** Injected clock (ms since epoch), for tests. */
  now?: () => number;
}

export interface IssuedToken {
  token: string;
  claims: SsoClaims;
  expiresAt: Date;
}

export interface TokenSigner {
  readonly ttlSeconds: number;
  /**
   * Signs a token for `subject`. `notAfter` (seconds since epoch) caps `exp`:
   * a token never outlives the session it belongs to.
   */
  sign(subject: SubjectClaims, options?: { notAfter?: number }): Promise<IssuedToken>;
}

/** Validates an HS256 secret (from a string) and returns its bytes. */
export function hs256Secret(secret: string): Uint8Array {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < HS256_MIN_SECRET_BYTES) {
    throw new SessionError(
      'CONFIG_INVALID',
      `The HS256 shared secret is ${bytes.length} bytes; it must be at least ${HS256_MIN_SECRET_BYTES} random bytes. ` +
        `Generate one with: node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))"`,
    );
  }
  return bytes;
}

/** Creates the identity app's token signer. */
export function createTokenSigner(options: TokenSignerOptions): TokenSigner {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 10) {
    throw new SessionError('CONFIG_INVALID', `Token lifetime must be a whole number of seconds, at least 10 (got ${ttlSeconds}).`);
  }
  return {
    ttlSeconds,
    async sign(subject, signOptions = {}) {
      const iat = Math.floor(now() / 1000);
      // At least one second: a session renewed in its last second gets a token that dies with it.
      const exp = Math.max(iat + 1, Math.min(iat + ttlSeconds, signOptions.notAfter ?? Infinity));
      const claims: SsoClaims = {
        iss: options.issuer,
        aud: options.audience,
        sub: subject.sub,
        sid: subject.sid,
        preferred_username: subject.preferred_username,
        email: subject.email ?? null,
        // Never true without an address.
        email_verified: (subject.email ?? null) !== null && subject.email_verified === true,
        name: subject.name ?? null,
        ...(subject.amr ? { amr: [...subject.amr] } : {}),
        ...(subject.auth_time !== undefined ? { auth_time: subject.auth_time } : {}),
        ...(subject.groups ? { groups: checkedGroups(subject.groups) } : {}),
        iat,
        exp,
        jti: randomUUID(),
      };
      const jwt = new SignJWT({ ...claims });
      let token: string;
      if (options.method.alg === 'EdDSA') {
        const key = options.method.currentKey();
        token = await jwt.setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: TOKEN_TYPE }).sign(key.privateKey);
      } else {
        token = await jwt.setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYPE }).sign(options.method.secret);
      }
      return { token, claims, expiresAt: new Date(claims.exp * 1000) };
    },
  };
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  method: VerificationMethod;
  /**
   * Oldest acceptable `iat`, in seconds. jose accepts any `iat` (even one in the
   * future) unless this is set; with it, a token minted "in the future" or kept
   * past its natural life is refused. Defaults to the token lifetime.
   */
  maxTokenAgeSeconds?: number;
  clockToleranceSeconds?: number;
  /** Called after the signature and claims check out; true refuses the token. */
  isRevoked?: (sid: string) => boolean;
  /** True for a signing key withdrawn in an emergency: its tokens are refused, cached ones included. */
  isKeyWithdrawn?: (kid: string) => boolean;
  /** Injected clock (ms since epoch), for tests. */
  now?: () => number;
  /**
   * Verified tokens remembered (by their exact text) until they expire, so a
   * token seen again skips the signature check; revocation and key withdrawal
   * are still checked on every hit. When full, the least recently used token
   * goes first. 0 turns the cache off. Default 10,000 entries.
   */
  cacheSize?: number;
}

export type VerifyResult =
  | { ok: true; claims: SsoClaims }
  | { ok: false; code: Exclude<SessionErrorCode, 'CONFIG_INVALID' | 'KEY_FILE_INVALID' | 'FORBIDDEN' | 'STEP_UP_REQUIRED'>; reason: string };

export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
  /**
   * The answer for a token the cache holds, synchronously: `ok` or revoked
   * (revocation and key withdrawal are checked on every call, as in
   * `verify`); `undefined` when only `verify` can tell (not cached, expired,
   * or the cache is off). Lets a request that presents a known token skip
   * the promise machinery; `verify` gives the same answer for it.
   */
  verifyCached?(token: string): VerifyResult | undefined;
}

/** A compact JWS has three base64url parts; anything else is refused unparsed. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Far above a real token (~600 bytes), far below what would cost us to parse. */
const MAX_TOKEN_LENGTH = 4096;

/** Creates a verifier that pins algorithm, issuer, audience and type. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const maxTokenAge = options.maxTokenAgeSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const method = options.method;
  const currentDate = options.now ? () => new Date(options.now!()) : undefined;
  const clock = options.now ?? Date.now;
  const cacheSize = options.cacheSize ?? 10_000;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new SessionError('CONFIG_INVALID', `Token cache size must be a whole number of entries, 0 to turn the cache off (got ${cacheSize}).`);
  }
  /** True while jose would still accept these claims: before exp and within maxTokenAge, with the tolerance. */
  const acceptable = (claims: SsoClaims, nowMs: number) =>
    claims.exp + clockTolerance > nowMs / 1000 && nowMs / 1000 - claims.iat <= maxTokenAge + clockTolerance;
  const cache =
    cacheSize > 0
      ? new LRUCache<string, { claims: SsoClaims; kid: string | undefined }>({
          max: cacheSize,
          // Entry lifetimes run on the verifier's clock (the injected one in
          // tests), read on every check rather than memoised for a millisecond.
          perf: { now: clock },
          ttlResolution: 0,
        })
      : null;
  const withdrawn = (kid: string | undefined) => kid !== undefined && options.isKeyWithdrawn?.(kid) === true;

  /**
   * A cached token's answer, or undefined. The cache holds only the exact
   * text of tokens that passed every check below (shape, canonical encoding,
   * signature, claims), so a hit needs none of them again.
   */
  const fromCache = (token: string): VerifyResult | undefined => {
    // An entry's TTL ends when its token stops being acceptable, so an
    // expired one is not returned. The check below still runs: lru-cache
    // returns an entry in the very millisecond its TTL ends.
    const cached = cache?.get(token);
    if (!cached) return undefined;
    const hit = cached.claims;
    if (!acceptable(hit, clock())) {
      cache!.delete(token); // expired: the full check says so
      return undefined;
    }
    if (withdrawn(cached.kid)) return { ok: false, code: 'TOKEN_REVOKED', reason: 'signing key withdrawn' };
    if (options.isRevoked?.(hit.sid)) return { ok: false, code: 'TOKEN_REVOKED', reason: 'session revoked' };
    return { ok: true, claims: hit };
  };

  return {
    verifyCached: (token) => (token.length > MAX_TOKEN_LENGTH ? undefined : fromCache(token)),
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) {
        return { ok: false, code: 'TOKEN_INVALID', reason: 'not a compact JWS' };
      }
      const cached = fromCache(token);
      if (cached) return cached;
      if (!COMPACT_JWS.test(token)) {
        return { ok: false, code: 'TOKEN_INVALID', reason: 'not a compact JWS' };
      }
      // A token has one spelling. Cached tokens passed this already (the key
      // is the exact text), so only a miss pays for it; a respelled variant
      // misses, is refused here and never takes a cache slot of its own.
      if (!token.split('.').every(isCanonicalBase64url)) {
        return { ok: false, code: 'TOKEN_INVALID', reason: 'non-canonical base64url' };
      }
      let payload: JWTPayload;
      let kid: string | undefined;
      try {
        const verifyOptions = {
          // Pinned: the header's `alg` never chooses the algorithm, so `none`
          // and HS256-signed-with-the-public-key are refused.
          algorithms: [method.alg],
          issuer: options.issuer,
          audience: options.audience,
          typ: TOKEN_TYPE,
          requiredClaims: ['sub', 'sid', 'exp', 'iat', 'jti', 'preferred_username'],
          maxTokenAge,
          clockTolerance,
          ...(currentDate ? { currentDate: currentDate() } : {}),
        };
        // The key comes from our own key set or secret only; header `jwk`,
        // `jku` and `x5u` are never consulted.
        const result =
          method.alg === 'EdDSA'
            ? await jwtVerify(token, method.getKey, verifyOptions)
            : await jwtVerify(token, method.secret, verifyOptions);
        payload = result.payload;
        kid = result.protectedHeader.kid;
      } catch (err) {
        return mapVerifyError(err);
      }
      const claims = payload as Partial<SsoClaims>;
      if (
        typeof claims.sub !== 'string' || claims.sub === '' ||
        typeof claims.sid !== 'string' || claims.sid === '' ||
        typeof claims.jti !== 'string' ||
        typeof claims.preferred_username !== 'string' ||
        !isNullableString(claims.email) ||
        (claims.email_verified !== undefined && typeof claims.email_verified !== 'boolean') ||
        !isNullableString(claims.name) ||
        (claims.amr !== undefined && !(Array.isArray(claims.amr) && claims.amr.length <= 8 && claims.amr.every((v) => typeof v === 'string'))) ||
        (claims.auth_time !== undefined && !Number.isSafeInteger(claims.auth_time)) ||
        (claims.groups !== undefined && !isGroupList(claims.groups))
      ) {
        return { ok: false, code: 'TOKEN_INVALID', reason: 'claims have the wrong types' };
      }
      // The key set may still hold a withdrawn key until its next refetch.
      if (withdrawn(kid)) return { ok: false, code: 'TOKEN_REVOKED', reason: 'signing key withdrawn' };
      if (options.isRevoked?.(claims.sid)) {
        return { ok: false, code: 'TOKEN_REVOKED', reason: 'session revoked' };
      }
      const email = claims.email ?? null;
      const verified = Object.freeze({ ...(claims as SsoClaims), email, email_verified: email !== null && claims.email_verified === true, name: claims.name ?? null });
      if (cache) {
        const until = (Math.min(verified.exp, verified.iat + maxTokenAge) + clockTolerance) * 1000;
        const ttl = Math.ceil(until - clock());
        if (ttl > 0) cache.set(token, { claims: verified, kid }, { ttl });
      }
      return { ok: true, claims: verified };
    },
  };
}

/**
 * True when `segment` is the one base64url spelling of its bytes. The last
 * character can carry unused bits (a 64-byte Ed25519 signature is 86
 * characters, the last holding 4 spare bits), so up to 16 spellings decode to
 * the same bytes and jose accepts them all; a length of 1 mod 4 is no encoding
 * at all. Decoding then re-encoding refuses both.
 */
function isCanonicalBase64url(segment: string): boolean {
  return Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

/** A bounded list of short strings: a token cannot grow the cookie (or a relying app's memory) with groups. */
function isGroupList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_TOKEN_GROUPS && value.every((g) => typeof g === 'string' && g.length > 0 && g.length <= MAX_GROUP_LENGTH);
}

/** The signer refuses what the verifier would: a bug upstream fails loudly at sign time, not at every relying app. */
function checkedGroups(groups: readonly string[]): string[] {
  if (!isGroupList(groups)) {
    throw new SessionError('CONFIG_INVALID', `A token carries at most ${MAX_TOKEN_GROUPS} groups of 1 to ${MAX_GROUP_LENGTH} characters.`);
  }
  return [...groups];
}

function isNullableString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

function mapVerifyError(err: unknown): VerifyResult {
  if (err instanceof SessionError && err.code === 'KEYS_UNAVAILABLE') {
    return { ok: false, code: 'KEYS_UNAVAILABLE', reason: err.message };
  }
  // Map jose failures by their stable `code`, never by message.
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWT_EXPIRED') {
    return { ok: false, code: 'TOKEN_EXPIRED', reason: 'token expired' };
  }
  return { ok: false, code: 'TOKEN_INVALID', reason: typeof code === 'string' ? code : 'verification failed' };
}
