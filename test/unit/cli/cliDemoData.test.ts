import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEMO_DIR, differences, loadDemo, readIds } from '../../../cli/commands/support/demoData.js';
import { validateFile } from '../../../cli/commands/support/dryRun.js';
import { jobSummary } from '../../../cli/commands/support/summary.js';

describe('the demo dataset', () => {
  it('expects what its files hold: lines, items and the reader rejections', async () => {
    const manifest = await loadDemo();
    assert.equal(manifest.jobs.length, 2);
    for (const job of manifest.jobs) {
      const e = job.expect;
      assert.equal(e.imported + e.failed + e.superseded, e.items, `${job.file}: every item has one outcome`);
      assert.equal(
        Object.values(e.failedByCode).reduce((a, b) => a + b, 0),
        e.failed,
        `${job.file}: failedByCode adds up`,
      );
      // The reader's view (the same one --dry-run uses) agrees on lines and items.
      const read = await validateFile(join(DEMO_DIR, job.file), job.format, () => undefined);
      assert.deepEqual([read.lines, read.items], [e.lines, e.items], job.file);
      assert.ok(read.rejected <= (e.failedByCode.rejected ?? 0));
      // Its repeated pairs are the job's superseded rows: every repeat in the sample is within a page.
      assert.deepEqual([read.repeatedPairs, read.repeatedPairsExact], [e.superseded, true], job.file);
    }
  });

  it('seeds every From_Account it expects to import (and the foreign ones apart)', async () => {
    const manifest = await loadDemo();
    const accounts = new Set(await readIds(join(DEMO_DIR, manifest.emulator.accounts)));
    const foreign = await readIds(join(DEMO_DIR, manifest.emulator.foreignAccounts));
    assert.ok(accounts.size >= 3_000);
    for (const f of foreign) assert.ok(!accounts.has(f), f);
    const text = await readFile(join(DEMO_DIR, 'friends.jsonl'), 'utf8');
    assert.ok(text.includes('"From_Account":"newcomer_01"') && !accounts.has('newcomer_01'));
  });

  it('lists each difference from the expectation', () => {
    const expect = {
      status: 'completed',
      lines: 3,
      items: 5,
      imported: 4,
      failed: 1,
      failedByCode: { '30003': 1 },
      superseded: 0,
    };
    const base = {
      state: 'completed' as const,
      jobId: 'j',
      lines: 3,
      users: 2,
      items: 5,
      imported: 4,
      failed: 1,
      failedByCode: { '30003': 1 },
      calls: 2,
      inFlight: 0,
      concurrency: 1,
      offset: 1,
      sourceBytes: 1,
      eof: true,
      startedAt: 0,
      elapsedMs: 1,
      pages: 1,
    };
    assert.deepEqual(differences(jobSummary('j', 'w', base), expect), []);
    const off = jobSummary('j', 'w', {
      ...base,
      imported: 3,
      failed: 2,
      failedByCode: { '30003': 1, rejected: 1 },
      superseded: 1,
    });
    assert.deepEqual(differences(off, expect), [
      'imported 3, expected 4',
      'failed 2, expected 1',
      'superseded 1, expected 0',
      'failed with rejected: 1, expected 0',
    ]);
  });
});
