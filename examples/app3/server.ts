// App 3: a relying app that joins the domain's single sign-on with the kit.
import express from 'express';
import { JSONFilePreset } from 'lowdb/node';
import { createRelyingParty, isSessionError, sessionOf, sessionProblem } from '@sso/session';
import { PROBLEM_CONTENT_TYPE, problemOf } from '@sso/types';

const env = process.env;
const app1Port = env.APP1_PORT ?? '3001';
const port = Number(env.APP3_PORT ?? 3003);
const sso = createRelyingParty({
  issuer: env.APP1_ORIGIN ?? `http://app1.sso.localhost:${app1Port}`,
  audience: env.SSO_AUDIENCE ?? 'sso.localhost',
  cookieDomain: env.SSO_COOKIE_DOMAIN ?? 'sso.localhost',
  jwksUrl: env.SSO_JWKS_URL ?? `http://127.0.0.1:${app1Port}/.well-known/jwks.json`,
  // Where browsers come back to after app 1 renewed their token (returnTo).
  publicOrigin: env.APP3_ORIGIN ?? `http://app3.sso.localhost:${port}`,
  // Deleted at app 1: delete the local user too (the feed says so within a second).
  onAccountDeleted: ({ iss, sub }) => db.update((d) => void (d.users = d.users.filter((u) => u.iss !== iss || u.sub !== sub))),
});
type User = { id: string; iss: string; sub: string; username: string; createdAt: string };
const db = await JSONFilePreset<{ users: User[] }>(env.APP3_DB ?? 'data/app3.json', { users: [] });

async function provision(iss: string, sub: string, username: string): Promise<User> {
  let user = db.data.users.find((u) => u.iss === iss && u.sub === sub);
  if (!user) {
    user = { id: crypto.randomUUID(), iss, sub, username, createdAt: new Date().toISOString() };
    await db.update(({ users }) => users.push(user!));
  }
  return user;
}

const app = express();
// An API route: fetch callers get 401 with a code (renew at app 1), never a redirect.
app.get('/api/me', sso.requireSession({ redirect: 'never' }), async (_req, res) => {
  const { iss, sub, preferred_username } = sessionOf(res);
  res.json({ user: await provision(iss, sub, preferred_username) });
});
// A route that needs a confirmed address (it would mail the person): the
// token's email_verified, set by app 1 once the mailed link was used (ADR 030).
app.get('/api/contact-address', sso.requireSession({ redirect: 'never' }), (_req, res) => {
  const { email, email_verified } = sessionOf(res);
  if (!email_verified) {
    res.status(403).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemOf('ACCESS_DENIED', { detail: 'Confirm your email address at the identity app first.' })));
    return;
  }
  res.json({ email });
});
// A page: without a valid token the browser goes to app 1, which renews
// silently while the session lives and sends it straight back here.
app.get('/', sso.requireSession(), async (_req, res) => {
  const { iss, sub, preferred_username } = sessionOf(res);
  await provision(iss, sub, preferred_username);
  res.type('text').send(`App 3: hello ${preferred_username}`);
});
app.use(((err, _req, res, next) => {
  if (!isSessionError(err)) return next(err);
  const { status, code, detail, loginUrl } = sessionProblem(err.code, sso.loginUrl);
  res.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemOf(code, { detail, loginUrl })));
}) as express.ErrorRequestHandler);

app.listen(port, env.HOST ?? '127.0.0.1', () => console.log(`App 3 on http://app3.sso.localhost:${port}`));
sso.start();
