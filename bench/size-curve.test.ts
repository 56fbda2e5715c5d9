import { describe, expect, it } from 'vitest';
import { findPostgres } from '../bff/integration/pg-test-db';
import { runSizeCurve } from './size-curve';

// Smoke test of the size curve, not of performance: targets may be missed
// (it is a report), but every figure must be measured, at every size.
describe('bench/size-curve.ts --quick', () => {
  it('measures every figure at every size as a finite positive number, cleanly, and judges the five targets', async () => {
    const { figures, warnings } = await runSizeCurve({ quick: true, log: () => undefined, postgres: true });

    for (const f of figures) {
      expect(Number.isFinite(f.value), `${f.id} ${f.figure} = ${f.value}`).toBe(true);
      expect(f.value, `${f.id} ${f.figure}`).toBeGreaterThan(0);
      expect(['PASS', 'FAIL', 'info']).toContain(f.verdict);
      if (f.verdict !== 'info') expect(f.target).not.toBe('-');
    }
    expect(figures.filter((f) => f.verdict !== 'info').map((f) => f.id)).toEqual(['10a', '10b', '10c', '10d', '10e']);

    // One row per quantity and size (quick: 200 and 1,000 users); PostgreSQL at the largest, when a server answers (CI has one).
    const expected = [...'fghijklmnop'].flatMap((letter) => [`10${letter}-200`, `10${letter}-1k`]);
    const postgres = process.env.CI === 'true' || (await findPostgres()).ok;
    expected.push('10u', '10v');
    if (postgres) expected.push('10q-1k', '10r-1k', '10s-1k', '10t-1k', '10w-1k', '10x-1k');
    expect(figures.filter((f) => f.verdict === 'info').map((f) => f.id)).toEqual(expected);

    // Every request answered as expected, no storm hit its time cap, no refresh chain broke.
    expect(warnings.filter((w) => !w.startsWith('10 PostgreSQL: skipped'))).toEqual([]);
  }, 120_000);
});
