import { describe, expect, it } from 'vitest';
import { uncarriedFields } from '@sso/bff-common';
import { RECORD_FIELDS, SPECS } from './lowdb-import';

describe('app 1 lowdb import declarations', () => {
  it('carry every field of every app 1 record type', () => {
    for (const [kind, fields] of Object.entries(RECORD_FIELDS)) {
      expect(uncarriedFields(SPECS[kind as keyof typeof SPECS], [fields]), kind).toEqual([]);
    }
  });

  it('name a field they do not carry', () => {
    expect(uncarriedFields(SPECS.users, [{ ...RECORD_FIELDS.users, locale: true }])).toEqual(['users.locale']);
  });
});
