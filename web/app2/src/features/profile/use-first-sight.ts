import { useEffect, useState } from 'react';
import type { LocalUser } from '@sso/types';

/** The local users this browser has already been welcomed as (localStorage, so a reload or another tab does not welcome again). */
const WELCOMED_KEY = 'app2-welcomed';

function welcomed(): string[] {
  try {
    const ids: unknown = JSON.parse(localStorage.getItem(WELCOMED_KEY) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** A first sight: app 2 created this record on this very visit (lastSeenAt is not advanced within a minute). */
function isNewlyProvisioned(user: LocalUser): boolean {
  return user.createdAt === user.lastSeenAt && Date.now() - Date.parse(user.createdAt) < 2 * 60_000;
}

/**
 * True on the first sight of a just-provisioned user, once per browser: the
 * record looks new for two minutes, but the welcome is said only once.
 */
export function useFirstSight(user: LocalUser): boolean {
  // Decided once per mount, so the note stays while this page is open.
  const [first] = useState(() => isNewlyProvisioned(user) && !welcomed().includes(user.id));
  useEffect(() => {
    if (!first) return;
    try {
      // The last few are enough: the record stops looking new after two minutes anyway.
      localStorage.setItem(WELCOMED_KEY, JSON.stringify([user.id, ...welcomed().filter((id) => id !== user.id)].slice(0, 10)));
    } catch {
      /* storage unavailable: the welcome may show again on a reload */
    }
  }, [first, user.id]);
  return first;
}
