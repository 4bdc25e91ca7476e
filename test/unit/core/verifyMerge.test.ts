import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunTracker, VerdictMerge, decides, repairBodies } from '../../../core/verifyMerge.js';
import type { PairDiff, VerifyLineOutcome } from '../../../core/verifyTypes.js';

const item = (to: string, remark?: string) => ({
  To_Account: to,
  AddSource: 'AddSource_Type_Web',
  ...(remark && { Remark: remark }),
});
const missing = (to: string, remark?: string): PairDiff => ({
  toAccount: to,
  expect: 'present',
  differs: ['missing'],
  expected: { AddSource: 'AddSource_Type_Web' },
  found: null,
  item: item(to, remark),
});
const different = (to: string): PairDiff => ({
  toAccount: to,
  expect: 'present',
  differs: ['Remark'],
  expected: { Remark: 'a' },
  found: { Remark: 'b' },
  item: item(to, 'a'),
});
const unexpected = (to: string): PairDiff => ({
  toAccount: to,
  expect: 'absent',
  differs: ['unexpected'],
  expected: null,
  found: {},
});
const line = (
  n: number,
  from: string,
  run: number,
  o: Partial<Pick<VerifyLineOutcome, 'present' | 'absent' | 'diffs'>>,
): VerifyLineOutcome => ({ line: n, fromAccount: from, run, present: [], absent: [], diffs: [], ...o });

function merge(lines: VerifyLineOutcome[]) {
  const runs = new RunTracker();
  for (const l of lines) runs.add(l);
  const m = new VerdictMerge(runs.split);
  for (const l of lines) m.add(l);
  return { runs, ...m.result() };
}

describe('verify report merge', () => {
  it('users checked in one run are counted as written; rows sorted by line', () => {
    const { counters, rows, repair, runs } = merge([
      line(1, 'a', 1, { present: ['b', 'c'], diffs: [missing('d')] }),
      line(2, 'z', 2, { absent: ['q'], diffs: [unexpected('r'), different('s')] }),
      line(3, 'a', 1, {}),
    ]);
    assert.equal(runs.split.size, 0);
    assert.equal(runs.users, 2);
    assert.deepEqual(
      [
        counters.pairs,
        counters.present,
        counters.missing,
        counters.absent,
        counters.unexpected,
        counters.different,
      ],
      [6, 2, 1, 1, 1, 1],
    );
    assert.deepEqual(counters.byField, { Remark: 1 });
    assert.deepEqual(
      rows.map((r) => [r.line, r.fromAccount, r.toAccount, r.differs]),
      [
        [1, 'a', 'd', ['missing']],
        [2, 'z', 'r', ['unexpected']],
        [2, 'z', 's', ['Remark']],
      ],
    );
    assert.deepEqual([...repair.keys()], ['a', 'z'], 'unexpected pairs are not imported again');
  });

  it('a user in two runs: each pair once, decided by the latest run that expects it present', () => {
    const { counters, rows, runs } = merge([
      // Run 1: b missing, c present, d present.
      line(1, 'a', 1, { present: ['c', 'd'], diffs: [missing('b')] }),
      // Run 2 (same user later): b present now (row 5 re-sent it), d only in a rejected row (absent
      // expected, but found: run 1's present verdict stands), e new and missing.
      line(5, 'a', 5, { present: ['b'], diffs: [unexpected('d'), missing('e')] }),
    ]);
    assert.deepEqual([...runs.split], ['a']);
    assert.deepEqual([counters.pairs, counters.present, counters.missing, counters.unexpected], [4, 3, 1, 0]);
    assert.deepEqual(
      rows.map((r) => [r.line, r.toAccount, r.differs[0]]),
      [[5, 'e', 'missing']],
    );
  });

  it('decides: present beats absent, else the later line', () => {
    assert.equal(decides({ line: 9, expect: 'present' }, { line: 1, expect: 'absent' }), false);
    assert.equal(decides({ line: 9, expect: 'absent' }, { line: 1, expect: 'present' }), true);
    assert.equal(decides({ line: 1, expect: 'present' }, { line: 9, expect: 'present' }), true);
  });

  it('the repair file holds one body per user, at most 1,000 items a line', () => {
    const items = Array.from({ length: 1_001 }, (_, i) => item(`f${i}`));
    const bodies = repairBodies(
      new Map([
        ['a', items],
        ['b', [item('x')]],
      ]),
    );
    assert.deepEqual(
      bodies.map((b) => [b.From_Account, b.AddFriendItem.length]),
      [
        ['a', 1000],
        ['a', 1],
        ['b', 1],
      ],
    );
  });
});
