// The device probe (bench/probe.ts) runs end to end on whatever adapter is present: every memory pattern is
// compiled, dispatched and timed, so the script a lent GPU runs cannot rot between loans. No timing is asserted.
import { expect, test } from 'vitest';
import { HD } from '../../bench/config.js';
import { probe } from '../../bench/probe.js';

test('every pattern, dispatch size and upload variant gets a positive time', async () => {
  const report = await probe(HD, 1);
  const rows = report.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| pattern'));
  expect(rows.length).toBe(5 + 3 + 3); // patterns; 1/16, 1/4 and all of 1080p (under one batch); three upload variants
  for (const r of rows) {
    const [, , words, us, gbs] = r.split('|').map((c) => c.trim());
    expect(Number(us), r).toBeGreaterThan(0);
    expect(Number(gbs), r).toBeGreaterThan(0);
    expect(words, r).toMatch(/^\d+\.\d\d M$/);
  }
  expect(report).toMatch(/Copy kernel: [\d.]+ GB\/s/);
}, 60_000);
