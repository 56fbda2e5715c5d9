import { z } from 'zod/mini';
import { AccountSchema, SessionEndReasonSchema } from '@sso/types';
import { DEV_ORIGINS } from '../lib/client-config';
import { MOCK_SCENARIO_NOTES, MOCK_SCENARIOS, isMockScenario, mockDb, resetMockDb, restoreMockDb, snapshotMockDb, type MockDbSnapshot, type MockScenario } from './db';

/*
 * How `npm run dev:mock` keeps one mock state for both SPAs. They run on two
 * origins (app1.sso.localhost:5171, app2.sso.localhost:5172), each with its
 * own msw worker and its own in-memory mockDb, and localStorage is per origin.
 * So the state lives where a real browser keeps what the two apps share: in a
 * cookie on the parent domain, read before and written after every mocked
 * API call. A sign-in at app 1 is then seen by app 2, as with the real token
 * cookie, and `?mock=signed-out` on app 2 reaches app 1's sign-in form
 * signed out.
 */

/** The cookie holding the mocks' state (never read by a BFF). */
export const MOCK_STATE_COOKIE = 'sso-mock-state';

/** Browsers ignore a cookie over 4096 bytes, name and attributes included. */
const MAX_VALUE_LENGTH = 3800;

const SnapshotSchema = z.object({
  users: z.array(z.object({ account: AccountSchema, password: z.string() })),
  signedInUserId: z.nullable(z.string()),
  token: z.enum(['valid', 'expired', 'absent']),
  sessionEnded: z.nullable(SessionEndReasonSchema),
  renewals: z.int(),
  tokenExpiresAt: z.string(),
  keysRefetched: z.boolean(),
  scenario: z.enum(MOCK_SCENARIOS),
  sessionCreatedAt: z.number(),
  provisionedAt: z.array(z.tuple([z.string(), z.string()])),
  pendingVerification: z.optional(z.nullable(z.string())),
});

/** The parent domain both dev origins share (`sso.localhost`), when this page is on it; else the cookie stays host-only. */
export function sharedCookieDomain(hostname: string): string | null {
  const parent = new URL(DEV_ORIGINS.app1).hostname.split('.').slice(1).join('.');
  return hostname.endsWith(`.${parent}`) ? parent : null;
}

/** The scenario a URL asks for with `?mock=<name>`, if it names one. */
export function requestedScenario(href: string): MockScenario | null {
  const value = new URL(href).searchParams.get('mock');
  return isMockScenario(value) ? value : null;
}

function readCookieValue(): string | null {
  for (const pair of document.cookie.split('; ')) {
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq) === MOCK_STATE_COOKIE) return pair.slice(eq + 1);
  }
  return null;
}

function decode(value: string): MockDbSnapshot | null {
  try {
    const parsed = SnapshotSchema.safeParse(JSON.parse(decodeURIComponent(value)));
    return parsed.success ? (parsed.data as MockDbSnapshot) : null;
  } catch {
    return null;
  }
}

/** Encodes the state, leaving out signed-up users (oldest first) past what a cookie holds. */
function encode(snapshot: MockDbSnapshot): string {
  const users = [...snapshot.users];
  let value = encodeURIComponent(JSON.stringify(snapshot));
  while (value.length > MAX_VALUE_LENGTH) {
    const drop = users.findIndex((u) => u.account.username !== 'demo' && u.account.id !== snapshot.signedInUserId);
    if (drop < 0) break;
    users.splice(drop, 1);
    value = encodeURIComponent(JSON.stringify({ ...snapshot, users }));
  }
  return value;
}

/** The state cookie's value as last read or written by this page: another page's write differs. */
let seen: string | null = null;

/** Writes the current state to the cookie, when it changed. */
export function saveMockState(): void {
  const value = encode(snapshotMockDb());
  seen = readCookieValue();
  if (value === seen) return;
  const domain = sharedCookieDomain(window.location.hostname);
  // A session cookie: closing the browser ends the scenario, as it ends a real session cookie.
  document.cookie = `${MOCK_STATE_COOKIE}=${value}; Path=/; SameSite=Lax${domain ? `; Domain=${domain}` : ''}`;
  seen = value;
}

/** Takes up what another page (the other app, another tab) wrote since this one last looked. */
export function syncMockState(): void {
  const value = readCookieValue();
  if (value === null || value === seen) return;
  seen = value;
  const snapshot = decode(value);
  if (snapshot) restoreMockDb(snapshot);
}

/**
 * Picks this page's mock state: `?mock=<name>` starts that scenario afresh
 * (and leaves the URL, so a reload or a `returnTo` built from it does not
 * start it again); otherwise the state both apps share carries on; the
 * first time, the default scenario.
 */
export function loadMockState(): MockScenario {
  const requested = requestedScenario(window.location.href);
  if (requested) {
    resetMockDb(requested);
    saveMockState();
    const url = new URL(window.location.href);
    url.searchParams.delete('mock');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return requested;
  }
  const stored = readCookieValue();
  const snapshot = stored === null ? null : decode(stored);
  if (snapshot) {
    restoreMockDb(snapshot);
    seen = stored;
  } else {
    resetMockDb('default');
    saveMockState();
  }
  return mockDb.scenario;
}

/** One line on what the mocks hold now: whose session, the token, renewal calls so far (answered or refused). */
export function describeMockState(): string {
  const user = [...mockDb.users.values()].find((u) => u.account.id === mockDb.signedInUserId);
  const who = user ? `session of ${user.account.username}` : 'no session';
  const token = mockDb.scenario === 'unavailable' ? 'identity app down' : `token ${mockDb.token}`;
  const renewals = `refresh calls: ${mockDb.renewals}`;
  return [who, token, renewals, ...(mockDb.sessionEnded ? [`ended: ${mockDb.sessionEnded}`] : [])].join(' · ');
}

const PANEL_ID = 'sso-mock-scenario';

/**
 * A small panel in a corner of every mock-mode page (outside the React root,
 * so no app markup changes): the scenario, what it shows, the state now
 * (renewals counted), and links to restart it or go back to the default.
 */
export function renderMockPanel(doc: Document = document): HTMLElement {
  let panel = doc.getElementById(PANEL_ID);
  if (!panel) {
    panel = doc.createElement('aside');
    panel.id = PANEL_ID;
    panel.setAttribute('aria-label', 'Mock scenario');
    panel.style.cssText =
      'position:fixed;right:0.5rem;bottom:0.5rem;z-index:1000;max-width:24rem;padding:0.4rem 0.6rem;font:0.75rem/1.35 system-ui,sans-serif;' +
      'background:#fffaeb;color:#93370d;border:1px solid #fedf89;border-radius:0.4rem;box-shadow:0 1px 3px rgb(0 0 0 / 0.12)';
    doc.body.append(panel);
  }
  const scenario = mockDb.scenario;
  const strong = doc.createElement('strong');
  strong.textContent = scenario;
  const state = doc.createElement('div');
  state.textContent = describeMockState();
  const links = doc.createElement('div');
  for (const [label, target] of [
    ['Restart', scenario],
    ['Default', 'default'],
  ] as const) {
    if (label === 'Default' && scenario === 'default') continue;
    const a = doc.createElement('a');
    a.href = `?mock=${target}`;
    a.textContent = label;
    a.style.cssText = 'color:inherit;margin-right:0.6rem';
    links.append(a);
  }
  panel.replaceChildren('Mock scenario ', strong, `: ${MOCK_SCENARIO_NOTES[scenario]}`, state, links);
  return panel;
}
