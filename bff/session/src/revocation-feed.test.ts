import { describe, expect, it } from 'vitest';
import { createRelyingParty } from './relying-party';
import { createRevocationFeed, type AccountDeletion } from './revocation-feed';

const ISS = 'http://app1.sso.localhost:3001';

/** A feed endpoint that answers the bodies given, one per poll, recording each `since`. */
function fakeFeed(bodies: unknown[]) {
  const seen: string[] = [];
  const fetch = (async (url: URL) => {
    seen.push(url.searchParams.get('since')!);
    return new Response(JSON.stringify(bodies.shift() ?? { revocations: [], cursor: 99, withdrawnKeys: [], deletions: [] }), { headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

const later = Date.now() + 600_000;

describe('revocation feed: account deletions (ADR 034)', () => {
  it('hands each deletion to onAccountDeleted, after the revocations of the same poll took effect', async () => {
    const deleted: AccountDeletion[] = [];
    const { fetch } = fakeFeed([
      { revocations: [{ sid: 'ses_1', revokedAt: 10, expiresAt: later }], cursor: 11, withdrawnKeys: [], deletions: [{ iss: ISS, sub: 'usr_1', deletedAt: 11 }] },
    ]);
    const feed = createRevocationFeed({
      url: `${ISS}/api/revocations`,
      fetch,
      onAccountDeleted: (d) => {
        // By the time the app deletes its user, the session's tokens are refused.
        expect(feed.isRevoked('ses_1')).toBe(true);
        deleted.push(d);
      },
    });
    await feed.sync();
    expect(deleted).toEqual([{ iss: ISS, sub: 'usr_1', deletedAt: 11 }]);
  });

  it('a failing handler keeps the cursor where it was, so the same deletion comes again at the next poll (at least once)', async () => {
    const body = { revocations: [], cursor: 7, withdrawnKeys: [], deletions: [{ iss: ISS, sub: 'usr_2', deletedAt: 7 }] };
    const { fetch, seen } = fakeFeed([body, body]);
    let calls = 0;
    const feed = createRevocationFeed({
      url: `${ISS}/api/revocations`,
      fetch,
      onAccountDeleted: async () => {
        if (++calls === 1) throw new Error('store down');
      },
    });
    await expect(feed.sync()).rejects.toThrow('store down');
    await feed.sync();
    expect(calls).toBe(2);
    expect(seen).toEqual(['0', '0']);
    await feed.sync();
    expect(seen[2]).toBe('7');
  });

  it('a feed from an identity app that predates deletions, and malformed entries, are taken in stride', async () => {
    const deleted: AccountDeletion[] = [];
    const { fetch } = fakeFeed([
      { revocations: [{ sid: 'ses_3', revokedAt: 1, expiresAt: later }], cursor: 1, withdrawnKeys: [] },
      { revocations: [], cursor: 2, withdrawnKeys: [], deletions: [{ iss: ISS }, { iss: ISS, sub: '', deletedAt: 2 }, null, 'usr_x', { iss: ISS, sub: 'usr_4', deletedAt: 2 }] },
    ]);
    const feed = createRevocationFeed({ url: `${ISS}/api/revocations`, fetch, onAccountDeleted: (d) => void deleted.push(d) });
    await feed.sync();
    expect(feed.isRevoked('ses_3')).toBe(true);
    await feed.sync();
    expect(deleted.map((d) => d.sub)).toEqual(['usr_4']);
  });

  it('createRelyingParty passes on only its own issuer\'s deletions', async () => {
    const deleted: string[] = [];
    const { fetch } = fakeFeed([
      { revocations: [], cursor: 3, withdrawnKeys: [], deletions: [{ iss: 'http://evil.sso.localhost', sub: 'usr_5', deletedAt: 3 }, { iss: ISS, sub: 'usr_6', deletedAt: 3 }] },
    ]);
    const sso = createRelyingParty({ issuer: ISS, audience: 'sso.localhost', cookieDomain: 'sso.localhost', hs256Secret: 'x'.repeat(32), fetch, onAccountDeleted: (d) => void deleted.push(d.sub) });
    await sso.revocations.sync();
    expect(deleted).toEqual(['usr_6']);
  });
});
