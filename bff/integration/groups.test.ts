import type { AddressInfo } from 'node:net';
import { request, type Server } from 'node:http';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, sessionHttpError } from '@sso/bff-common';
import { createRelyingParty, isSessionError, sessionOf, type RelyingParty } from '@sso/session';
import { ProblemSchema } from '@sso/types';
import { runAdminCommand } from '../app1/src/admin/operations';
import { Browser, startDomain, type Domain } from './harness';

/*
 * Groups end to end over HTTP (ADR 034): an operator puts an account in a
 * group at app 1, the next renewal's token carries it, and a relying app
 * built with the kit lets the route through; without the group the kit
 * answers 403 problem+json FORBIDDEN (never a redirect), without a session
 * 401 as ever.
 */
const PASSWORD = 'correct horse battery';
let domain: Domain;
let sso: RelyingParty;
let server: Server;
let url: string;

beforeAll(async () => {
  domain = await startDomain({ withApp2: false });
  sso = createRelyingParty({ issuer: domain.origins.app1, audience: 'sso.localhost', cookieDomain: 'sso.localhost', jwksUrl: `${domain.urls.app1}/.well-known/jwks.json` });
  const app = express();
  app.get('/admin', sso.requireSession({ groups: ['admins', 'ops'] }), (_req, res) => res.json({ hello: sessionOf(res).preferred_username }));
  app.use(errorHandler({ logger: pino({ level: 'silent' }), mapError: (err) => (isSessionError(err) ? sessionHttpError(err.code, sso.loginUrl) : undefined) }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await domain?.stop();
});

/** GET /admin; `page`: as a browser's navigation (node:http: fetch always sends Sec-Fetch-Mode: cors). */
function get(b: Browser | null, page = false): Promise<{ status: number; contentType: string; body: string }> {
  const headers: Record<string, string> = { ...(b ? { cookie: b.cookieHeader('app2') } : {}), ...(page ? { accept: 'text/html', 'sec-fetch-mode': 'navigate' } : {}) };
  return new Promise((resolve, reject) => {
    request(`${url}/admin`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: String(res.headers['content-type'] ?? ''), body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('requireSession({ groups }) behind real app 1 tokens', () => {
  it('403 FORBIDDEN without the group (a page too: no redirect), 200 once an operator added it and the token renewed, 401 without a session', async () => {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username: 'grouped1', password: PASSWORD } })).status).toBe(201);

    for (const page of [false, true]) {
      const denied = await get(b, page);
      expect(denied.status).toBe(403);
      expect(denied.contentType).toContain('application/problem+json');
      expect(ProblemSchema.parse(JSON.parse(denied.body))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }

    expect((await runAdminCommand(domain.app1.context, { verb: 'group add', username: 'grouped1', group: 'ops' })).ok).toBe(true);
    expect((await get(b)).status).toBe(403); // this token predates the group
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    const ok = await get(b);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ hello: 'grouped1' });

    expect(ProblemSchema.parse(JSON.parse((await get(null)).body)).code).toBe('UNAUTHENTICATED');
    expect((await get(null, true)).status).toBe(303);
  });
});
