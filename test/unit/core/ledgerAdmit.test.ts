import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit } from '../../../core/admit.js';
import { newLedger } from '../../../core/ledger.js';
import type { SubmittedItem } from '../../../core/userImportTypes.js';

const item = (to: string, version = 1): SubmittedItem => ({
  item: { To_Account: to, AddSource: 'AddSource_Type_Test', Remark: `v${version}` },
});

describe('ledger: superseding queued items', () => {
  it('keeps the queue order of the items left, appends the new ones, and reports the older ones superseded in item order', () => {
    const s = newLedger('me', 0);
    admit(s, { id: 's1', items: ['a', 'b', 'c', 'd', 'e'].map((to) => item(to)) });
    admit(s, { id: 's2', items: [item('d', 2), item('x', 2), item('b', 2)] });
    assert.deepEqual(
      s.queue.map((q) => `${q.item.To_Account}:${q.submissionId}`),
      ['a:s1', 'c:s1', 'e:s1', 'd:s2', 'x:s2', 'b:s2'],
    );
    assert.deepEqual(
      s.failures.map((f) => `${f.toAccount}:${f.submissionId}`),
      ['d:s1', 'b:s1'],
    );
    assert.equal(s.submissions.s1?.pending, 3);
  });

  it('holds one item per To_Account, the latest, across large overlapping submissions', () => {
    const s = newLedger('me', 0);
    const range = (from: number, n: number, version: number) =>
      Array.from({ length: n }, (_, i) => item(`f${from + i}`, version));
    admit(s, { id: 's1', items: range(0, 1000, 1) });
    admit(s, { id: 's2', items: range(500, 1000, 2) });
    admit(s, { id: 's3', items: range(1000, 1000, 3) });
    assert.equal(s.queue.length, 2000);
    assert.equal(new Set(s.queue.map((q) => q.item.To_Account)).size, 2000);
    const version = (to: string) => s.queue.find((q) => q.item.To_Account === to)?.item.Remark;
    assert.deepEqual(
      [version('f0'), version('f700'), version('f1200'), version('f1999')],
      ['v1', 'v2', 'v3', 'v3'],
    );
    assert.deepEqual([s.superseded, s.failed], [1000, 0]);
  });
});
