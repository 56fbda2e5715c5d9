import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { SqlClient } from './postgres';

/*
 * What both apps' importers share (`npm run db:import`, ADR 035): records read
 * from a journaled lowdb store (readJournaledStore) are written into the
 * app's PostgreSQL schema, table by table, from one declaration per record
 * kind. A declaration names every field it carries; a record holding a field
 * no declaration names stops the import before anything is written, so a
 * field added to a record type later is never dropped silently: add it to the
 * declaration (and a migration for its column).
 */

export type ColumnType = 'text' | 'text[]' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'jsonb';

/** A column: its SQL type and the record field it comes from (absent fields are NULL). */
export type Column = readonly [type: ColumnType, field: string];

export interface TableSpec {
  /** The lowdb collection (`users`, `sessions`, ...). */
  kind: string;
  /** Schema-qualified table. */
  table: string;
  columns: Readonly<Record<string, Column>>;
  /** Fields carried some other way (to another table by the app's importer). */
  alsoCarries?: readonly string[];
}

/** Fields of `records` that `spec` does not carry, as "kind.field" (empty: all carried). */
export function uncarriedFields(spec: TableSpec, records: readonly object[]): string[] {
  const carried = new Set([...Object.values(spec.columns).map(([, field]) => field), ...(spec.alsoCarries ?? [])]);
  const missing = new Set<string>();
  for (const r of records) for (const field of Object.keys(r)) if (!carried.has(field)) missing.add(`${spec.kind}.${field}`);
  return [...missing].sort();
}

const BATCH = 500;

/**
 * Inserts the records (ON CONFLICT DO NOTHING: a row already there is kept as
 * it is), BATCH rows per statement; returns the keys (value of `keyColumn`)
 * of the rows this call inserted.
 */
export async function insertRows(client: SqlClient, spec: TableSpec, records: readonly object[], keyColumn: string): Promise<string[]> {
  const names = Object.keys(spec.columns);
  const list = names.join(', ');
  const definition = names.map((n) => `${n} ${spec.columns[n]![0]}`).join(', ');
  const inserted: string[] = [];
  for (let i = 0; i < records.length; i += BATCH) {
    const rows = records.slice(i, i + BATCH).map((r) => Object.fromEntries(names.map((n) => [n, (r as Record<string, unknown>)[spec.columns[n]![1]] ?? null])));
    const { rows: out } = await client.query(
      `INSERT INTO ${spec.table} (${list}) SELECT ${list} FROM jsonb_to_recordset($1::jsonb) AS x(${definition}) ON CONFLICT DO NOTHING RETURNING ${keyColumn}::text AS key`,
      [JSON.stringify(rows)],
    );
    for (const row of out) inserted.push(row.key as string);
  }
  return inserted;
}

/** How many of `keys` are rows of `table` (by `keyColumn`): the count checked after an import. */
export async function countPresent(client: SqlClient, table: string, keyColumn: string, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const { rows } = await client.query(`SELECT count(DISTINCT ${keyColumn})::int AS n FROM ${table} WHERE ${keyColumn}::text = ANY($1::text[])`, [keys]);
  return rows[0]!.n as number;
}

/** Whether DATA_DIR holds the store `name`: its snapshot or any of its journals (a store never compacted has journals only). */
export async function hasStore(dataDir: string, name: string): Promise<boolean> {
  const files = await readdir(dataDir).catch(() => [] as string[]);
  return files.some((f) => f === name || new RegExp(`^${name.replaceAll('.', '\\.')}\\.journal-\\d+$`).test(f));
}

/** SHA-256 of a store's records, each kind sorted by key: the same files give the same fingerprint. */
export function fingerprintOf(kinds: Record<string, readonly object[]>, keyOf: (kind: string, record: object) => string): string {
  const hash = createHash('sha256');
  for (const kind of Object.keys(kinds).sort()) {
    hash.update(`${kind}\n`);
    const sorted = [...kinds[kind]!].map((r) => [keyOf(kind, r), r] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, r] of sorted) hash.update(`${JSON.stringify(r)}\n`);
  }
  return hash.digest('hex');
}

export interface ImportRow {
  kind: string;
  /** Records in the lowdb files. */
  inFiles: number;
  /** Written now. */
  imported: number;
  /** Not carried, and why (expired, account kept as the database has it, username taken). */
  skipped: number;
  /** Rows of the carried records found in the database after the import (must equal `imported` + those already there). */
  inDatabase: number;
}

/** What one app's import did; `status` decides the exit code of `npm run db:import`. */
export interface ImportResult {
  app: string;
  status: 'imported' | 'already-imported' | 'nothing-to-import' | 'refused';
  rows: ImportRow[];
  /** Lines for the operator: refusals, conflicts, what was not carried and why. */
  notes: string[];
  /** Accounts not carried because another account of the database holds the name (exit code 2). */
  conflicts: number;
}

/**
 * The refusal when the files hold record kinds or fields that no declaration
 * names (nothing is written); null when every one is carried. `declaredIn`
 * is the importer's source file, where the operator's developer adds them.
 */
export function refusedUncarried(result: ImportResult, file: string, unknownKinds: readonly string[], uncarried: readonly string[], declaredIn: string): ImportResult | null {
  if (!unknownKinds.length && !uncarried.length) return null;
  return {
    ...result,
    status: 'refused',
    notes: [
      `${file} holds ${[...unknownKinds.map((k) => `records of kind "${k}"`), ...uncarried.map((f) => `field ${f}`)].join(', ')} that the importer does not carry. ` +
        `Nothing was written. Add them to ${declaredIn} (and a migration for their columns).`,
    ],
  };
}

/**
 * In the import's transaction: takes the schema's import lock (two imports at
 * once queue here; the second then finds the first's row) and answers
 * `already-imported` when these files (their fingerprint) were imported into
 * `schema` before; null when they were not.
 */
export async function importedBefore(client: SqlClient, schema: string, label: string, fingerprint: string, result: ImportResult): Promise<ImportResult | null> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sso-lowdb-import:${schema}`]);
  const done = await client.query(`SELECT imported_at, counts FROM ${schema}.lowdb_imports WHERE fingerprint = $1`, [fingerprint]);
  if (!done.rows[0]) return null;
  return {
    ...result,
    status: 'already-imported',
    rows: done.rows[0].counts as ImportRow[],
    notes: [`${label}: these files were imported already (${(done.rows[0].imported_at as Date).toISOString()}); nothing changed.`],
  };
}

/** The import table printed by `npm run db:import`. */
export function formatImport(result: ImportResult): string {
  const head = ['record kind', 'in files', 'imported', 'skipped', 'in database'];
  const body = result.rows.map((r) => [r.kind, String(r.inFiles), String(r.imported), String(r.skipped), String(r.inDatabase)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
