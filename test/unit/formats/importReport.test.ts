import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readReportRows, userOutcomes, writeOutcomes } from '../../../formats/importReport.js';
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
});
