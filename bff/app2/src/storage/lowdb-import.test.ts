import { describe, expect, it } from 'vitest';
import { uncarriedFields } from '@sso/bff-common';
import { LOCAL_USERS, RECORD_FIELDS } from './lowdb-import';

describe('app 2 lowdb import declaration', () => {
  it('carries every field of a local user', () => {
    expect(uncarriedFields(LOCAL_USERS, [RECORD_FIELDS])).toEqual([]);
  });
});
