/** The claims the identity app puts in every domain token. */
export interface SsoClaims {
  /** The identity app's origin. */
  iss: string;
  aud: string | string[];
  /** Stable opaque user id, never the username. */
  sub: string;
  /** Server session id; revoking it ends the token everywhere. */
  sid: string;
  preferred_username: string;
  email: string | null;
  /** True once the identity app confirmed `email` through a mailed link. Absent from older tokens: read as false. */
  email_verified: boolean;
  name: string | null;
  iat: number;
  exp: number;
  jti: string;
  /** How the person authenticated, RFC 8176 values (`pwd`, `otp`, `hwk`, `swk`, `mfa`). Absent from older tokens: treat as `['pwd']`. */
  amr?: string[];
  /** When the person last proved who they are (seconds since epoch); a relying app bounds its age for sensitive routes. */
  auth_time?: number;
  /** Groups an operator put the account in; absent from older tokens: none. At most MAX_TOKEN_GROUPS. */
  groups?: string[];
}

/** What the identity app supplies per token; the library adds the rest. */
export interface SubjectClaims {
  sub: string;
  sid: string;
  preferred_username: string;
  email?: string | null;
  email_verified?: boolean;
  name?: string | null;
  amr?: string[];
  auth_time?: number;
  groups?: string[];
}

/** Most groups a token may carry, and the longest group name: bounds the cookie's size. Verification refuses more. */
export const MAX_TOKEN_GROUPS = 32;
export const MAX_GROUP_LENGTH = 64;

/** The token's groups (none for a token without the claim). */
export function groupsOf(claims: Pick<SsoClaims, 'groups'>): readonly string[] {
  return claims.groups ?? [];
}

/** The JOSE header `typ` of a domain token; verification insists on it. */
export const TOKEN_TYPE = 'sso+jwt';
