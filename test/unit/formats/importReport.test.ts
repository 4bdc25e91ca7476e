import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import {
  finalizeReport,
  readReportRows,
  userOutcomes,
  writeOutcomes,
} from '../../../formats/importReport.js';
import type { LineOutcome } from '../../../core/jobTypes.js';

describe('outcome files: the report and one user’s outcomes', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  // Account names that spell the texts the readers skip lines by, inside JSON strings.
  const tricky = '"failed":[]';
  const lines: LineOutcome[] = [
    { line: 3, fromAccount: 'bob', imported: [tricky, 'x'], failed: [] },
    {
      line: 1,
      fromAccount: 'alice',
      imported: ['"fromAccount":"bob"'],
      failed: [{ toAccount: tricky, code: 30001, reason: 'refused', kind: 'permanent' }],
    },
    {
      line: 2,
      fromAccount: 'bob',
      imported: [],
      failed: [{ toAccount: 'y', code: 'rejected', reason: 'AddSource is required', kind: 'rejected' }],
    },
    { line: 4, fromAccount: '"bob"', imported: ['z'], failed: [] },
  ];

  it('reports every failure, sorted by line, and skips no line that has one', async () => {
    await writeOutcomes(dir, 1, 1, lines.slice(0, 2));
    await writeOutcomes(dir, 2, 1, lines.slice(2));
    const rows = await readReportRows(dir);
    assert.deepEqual(
      rows.map((r) => [r.line, r.fromAccount, r.toAccount, r.code]),
      [
        [1, 'alice', tricky, 30001],
        [2, 'bob', 'y', 'rejected'],
      ],
    );
  });

  it('finds exactly one user’s lines, whatever the other lines’ account names spell', async () => {
    assert.deepEqual(
      (await userOutcomes(dir, 'bob')).map((o) => o.line),
      [2, 3],
    );
    assert.deepEqual(
      (await userOutcomes(dir, '"bob"')).map((o) => o.line),
      [4],
    );
    assert.deepEqual(await userOutcomes(dir, 'nobody'), []);
  });

  it('writes cells a spreadsheet would run as formulas as text in the CSV, and exactly in the JSONL', async () => {
    const parts = join(dir, 'formulas');
    const hostile = ['=HYPERLINK("http://x","y")', '+8613800000000', '-1+2', '@SUM(A1)', '\tx'];
    await writeOutcomes(parts, 1, 1, [
      {
        line: 1,
        fromAccount: hostile[0] as string,
        imported: [],
        failed: hostile
          .slice(1)
          .map((to) => ({ toAccount: to, code: 30003, reason: to, kind: 'permanent' as const })),
      },
    ]);
    const jsonl = join(dir, 'formulas.jsonl');
    const csv = join(dir, 'formulas.csv');
    await finalizeReport(parts, jsonl, csv);
    const rows = (await readFile(jsonl, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { toAccount: string });
    assert.deepEqual(
      rows.map((r) => r.toAccount).sort(),
      hostile.slice(1).sort(),
      'the JSONL holds the values as they are',
    );
    const text = await readFile(csv, 'utf8');
    for (const cell of text.split('\n').slice(1).join(',').split(',').filter(Boolean))
      assert.doesNotMatch(cell.replace(/^"/, ''), /^[=+\-@\t]/, `a cell a spreadsheet would run: ${cell}`);
    assert.match(text, /'\+8613800000000/);
  });
});
