// App 3: a relying app that joins the domain's single sign-on with the kit.
import express from 'express';
import { JSONFilePreset } from 'lowdb/node';
import { createRelyingParty, sessionOf } from '@sso/session';

const env = process.env;
const app1Port = env.APP1_PORT ?? '3001';
const sso = createRelyingParty({
  issuer: env.APP1_ORIGIN ?? `http://app1.sso.localhost:${app1Port}`,
  audience: env.SSO_AUDIENCE ?? 'sso.localhost',
  cookieDomain: env.SSO_COOKIE_DOMAIN ?? 'sso.localhost',
  jwksUrl: env.SSO_JWKS_URL ?? `http://127.0.0.1:${app1Port}/.well-known/jwks.json`,
});
type User = { id: string; iss: string; sub: string; username: string; createdAt: string };
const db = await JSONFilePreset<{ users: User[] }>(env.APP3_DB ?? 'data/app3.json', { users: [] });

const app = express();
app.get('/api/me', sso.requireSession(), async (_req, res) => {
  const { iss, sub, preferred_username } = sessionOf(res);
  let user = db.data.users.find((u) => u.iss === iss && u.sub === sub);
  if (!user) {
    user = { id: crypto.randomUUID(), iss, sub, username: preferred_username, createdAt: new Date().toISOString() };
    await db.update(({ users }) => users.push(user!));
  }
  res.json({ user });
});
app.get('/', sso.optionalSession(), (_req, res) => {
  const s = res.locals.session as { preferred_username: string } | null;
  res.type('text').send(s ? `App 3: hello ${s.preferred_username}` : `App 3: not signed in. Sign in at ${env.APP1_ORIGIN ?? `http://app1.sso.localhost:${app1Port}`}/login`);
});
app.use(((err, _req, res, _next) => {
  res.status(err.code === 'KEYS_UNAVAILABLE' ? 503 : 401).json({ error: err.code ?? 'UNAUTHENTICATED' });
}) as express.ErrorRequestHandler);

const port = Number(env.APP3_PORT ?? 3003);
app.listen(port, env.HOST ?? '127.0.0.1', () => console.log(`App 3 on http://app3.sso.localhost:${port}`));
sso.start();
