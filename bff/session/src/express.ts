import type { Request, RequestHandler, Response } from 'express';
import type { CookieController } from './cookie';
import type { SsoClaims } from './claims';
import { SessionError } from './errors';
import type { TokenVerifier, VerifyResult } from './token';

export interface SessionReaderOptions {
  cookie: CookieController;
  verifier: TokenVerifier;
}

/** Framework-agnostic and Express entry points for reading the domain session. */
export interface SessionReader {
  /** Verifies the session cookie found in a raw `Cookie` header (any framework). */
  verifyRequest(input: { cookieHeader: string | undefined }): Promise<VerifyResult>;
  /** The verified claims, or `null` when there is no valid session (a normal state). */
  getSession(req: Request): Promise<SsoClaims | null>;
  /** Middleware: puts the claims in `res.locals.session`, or fails with a SessionError. */
  requireSession(): RequestHandler;
  /** Middleware: like requireSession but lets anonymous requests through with `null`. */
  optionalSession(): RequestHandler;
}

export function createSessionReader(options: SessionReaderOptions): SessionReader {
  async function verifyRequest({ cookieHeader }: { cookieHeader: string | undefined }): Promise<VerifyResult> {
    const read = options.cookie.read(cookieHeader);
    switch (read.status) {
      case 'absent':
        return { ok: false, code: 'TOKEN_MISSING', reason: 'no session cookie' };
      case 'ambiguous':
        return { ok: false, code: 'DUPLICATE_COOKIE', reason: 'session cookie sent twice with different values' };
      case 'present':
        return options.verifier.verify(read.value);
    }
  }

  return {
    verifyRequest,
    async getSession(req) {
      const result = await verifyRequest({ cookieHeader: req.headers.cookie });
      return result.ok ? result.claims : null;
    },
    requireSession() {
      return async (req, res, next) => {
        const result = await verifyRequest({ cookieHeader: req.headers.cookie });
        if (!result.ok) throw new SessionError(result.code, result.reason);
        res.locals.session = result.claims;
        next();
      };
    },
    optionalSession() {
      return async (req, res, next) => {
        const result = await verifyRequest({ cookieHeader: req.headers.cookie });
        if (!result.ok && result.code === 'KEYS_UNAVAILABLE') throw new SessionError(result.code, result.reason);
        res.locals.session = result.ok ? result.claims : null;
        next();
      };
    },
  };
}

/** The claims requireSession() stored for this request. */
export function sessionOf(res: Response): SsoClaims {
  const session = res.locals.session as SsoClaims | null | undefined;
  if (!session) throw new SessionError('TOKEN_MISSING', 'requireSession() did not run before this handler');
  return session;
}
