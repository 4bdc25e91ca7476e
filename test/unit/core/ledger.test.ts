import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit } from '../../../core/admit.js';
import {
  applyAnswer,
  cancelQueued,
  failBatch,
  MAX_FAILURE_DETAILS,
  newLedger,
  takeBatch,
} from '../../../core/ledger.js';
import { resultOf, submissionOutcome } from '../../../core/outcomes.js';
import { checkItems } from '../../../client/userImports.js';
import type { LedgerState, SubmittedItem } from '../../../core/userImportTypes.js';

const item = (to: string, extra: Record<string, unknown> = {}): SubmittedItem => ({
  item: { To_Account: to, AddSource: 'AddSource_Type_Web', ...extra },
});
const items = (n: number, prefix = 'u'): SubmittedItem[] =>
  Array.from({ length: n }, (_, i) => item(`${prefix}${i}`));
const none = { attempt: 1, transient: [], permanent: [], missing: [], failAccounts: [], invalidAccounts: [] };

/** One outcome per item: every item has exactly one outcome, or is still queued / in flight. */
function assertAccounted(s: LedgerState, inFlight = 0): void {
  assert.equal(s.imported + s.failed + (s.superseded ?? 0) + s.queue.length + inFlight, s.items);
}

describe('ledger: admitting submissions', () => {
  it('rejects bad items alone, naming the field, and queues the rest', () => {
    const s = newLedger('alice', 0);
    const { accepted } = admit(s, {
      id: 's1',
      items: checkItems('alice', [
        item('bob'),
        item('carol', { Remark: 'r'.repeat(97) }),
        item('alice'),
        { ref: 'line 9', item: { To_Account: 'dan' } },
      ]),
    });
    assert.deepEqual(accepted, { submissionId: 's1', duplicate: false, accepted: 1, rejected: 3 });
    assert.deepEqual(
      s.failures.map((f) => [f.ref, f.toAccount, f.kind, f.code]),
      [
        [1, 'carol', 'rejected', 'rejected'],
        [2, 'alice', 'rejected', 'rejected'],
        ['line 9', 'dan', 'rejected', 'rejected'],
      ],
    );
    assert.match(s.failures[0]!.reason, /Remark is 97 bytes/);
    assert.match(s.failures[2]!.reason, /AddSource is required/);
    assertAccounted(s);
  });

  it('last one wins inside a submission and against the waiting queue', () => {
    const s = newLedger('alice', 0);
    admit(s, {
      id: 's1',
      items: [item('bob', { Remark: 'first' }), item('carol'), item('bob', { Remark: 'second' })],
    });
    assert.deepEqual(
      s.queue.map((q) => [q.item.To_Account, q.item.Remark]),
      [
        ['carol', undefined],
        ['bob', 'second'],
      ],
    );
    admit(s, { id: 's2', items: [item('carol', { Remark: 'newer' })] });
    assert.deepEqual(
      s.queue.map((q) => [q.item.To_Account, q.item.Remark]),
      [
        ['bob', 'second'],
        ['carol', 'newer'],
      ],
    );
    assert.deepEqual(
      s.failures.map((f) => [f.submissionId, f.toAccount]),
      [
        ['s1', 'bob'],
        ['s1', 'carol'],
      ],
    );
    assert.match(s.failures[1]!.reason, /superseded/);
    // Superseded is an outcome of its own, not a failure.
    assert.deepEqual([s.superseded, s.failed, s.failedByCode], [2, 0, {}]);
    assert.deepEqual(
      s.failures.map((f) => [f.code, f.kind]),
      [
        ['superseded', 'superseded'],
        ['superseded', 'superseded'],
      ],
    );
    assertAccounted(s);
  });

  it('records a malformed item that skipped the client-side check as rejected, never sends it', () => {
    const s = newLedger('alice', 0);
    const { accepted } = admit(s, {
      id: 's1',
      items: [{ item: { To_Account: 'bob' } }, { item: 'junk' }, item('carol')],
    });
    assert.deepEqual([accepted.accepted, accepted.rejected], [1, 2]);
    assert.match(s.failures[0]!.reason, /not an AddFriendItem/);
    assert.deepEqual(
      s.queue.map((q) => q.item.To_Account),
      ['carol'],
    );
  });

  it('accepts a submission ID once, so a retried delivery adds nothing', () => {
    const s = newLedger('alice', 0);
    admit(s, { id: 's1', items: items(3) });
    const again = admit(s, { id: 's1', items: items(3) });
    assert.equal(again.accepted.duplicate, true);
    assert.equal(s.items, 3);
    assert.equal(s.queue.length, 3);
  });

  it('a submission whose items are all rejected completes at once', () => {
    const s = newLedger('alice', 0);
    const r = admit(s, {
      id: 's1',
      items: checkItems('alice', [item('alice')]),
    });
    assert.deepEqual(r.completed, ['s1']);
    assert.equal(submissionOutcome(s, 's1').status, 'done');
  });
});

describe('ledger: batches and answers', () => {
  it('cuts 2,500 items into 1,000 + 1,000 + 500', () => {
    const s = newLedger('alice', 0);
    admit(s, { id: 's1', items: items(2500) });
    const sizes = [
      takeBatch(s, 1000, 1e9).length,
      takeBatch(s, 1000, 1e9).length,
      takeBatch(s, 1000, 1e9).length,
    ];
    assert.deepEqual(sizes, [1000, 1000, 500]);
    assert.equal(takeBatch(s, 1000, 1e9).length, 0);
  });

  it('also cuts by bytes, but always sends at least one item', () => {
    const s = newLedger('alice', 0);
    admit(s, {
      id: 's1',
      items: Array.from({ length: 10 }, (_, i) => item(`u${i}`, { AddWording: 'w'.repeat(250) })),
    });
    const first = takeBatch(s, 1000, 1000);
    assert.ok(first.length >= 1 && first.length < 10, String(first.length));
    assert.equal(takeBatch(s, 1000, 10).length, 1);
  });

  it('cuts exactly where exact sizing would, whether or not the upper bounds fit', () => {
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) % n;
    for (let round = 0; round < 200; round++) {
      const s = newLedger('alice', 0);
      const sizes = Array.from({ length: 1 + next(40) }, () => next(4) * next(300));
      admit(s, { id: 's1', items: sizes.map((n, i) => item(`u${i}`, { AddWording: 'é'.repeat(n) })) });
      const maxBytes = 64 + next(6_000);
      const queue = [...s.queue];
      // The reference: exact JSON sizes, at least one item, within maxBytes.
      let bytes = 64;
      let expected = 0;
      for (const q of queue.slice(0, 25)) {
        const size = Buffer.byteLength(JSON.stringify(q.item)) + 1;
        if (expected > 0 && bytes + size > maxBytes) break;
        bytes += size;
        expected++;
      }
      assert.equal(takeBatch(s, 25, maxBytes).length, expected, `round ${round}`);
    }
  });

  it('records imports and permanent codes, requeues transient items until their attempts run out', () => {
    const s = newLedger('alice', 0);
    admit(s, { id: 's1', items: items(4) });
    let batch = takeBatch(s, 1000, 1e9);
    let done = applyAnswer(
      s,
      batch,
      {
        ...none,
        imported: ['u0'],
        permanent: [
          { toAccount: 'u1', code: 30010, info: 'Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold' },
        ],
        transient: [{ toAccount: 'u2', code: 30008, info: 'conflict' }],
        missing: ['u3'],
        failAccounts: ['u1', 'u2'],
      },
      2,
    ).completed;
    assert.deepEqual(done, []);
    assert.deepEqual(
      s.queue.map((q) => [q.item.To_Account, q.attempts]),
      [
        ['u2', 1],
        ['u3', 1],
      ],
    );
    batch = takeBatch(s, 1000, 1e9);
    done = applyAnswer(
      s,
      batch,
      {
        ...none,
        imported: ['u3'],
        transient: [{ toAccount: 'u2', code: 30008, info: 'conflict' }],
        failAccounts: ['u2'],
      },
      2,
    ).completed;
    assert.deepEqual(done, ['s1']);
    const out = submissionOutcome(s, 's1');
    assert.equal(out.imported, 2);
    assert.equal(out.failed, 2);
    assert.deepEqual(out.failedByCode, { 30010: 1, 30008: 1 });
    assert.deepEqual(
      out.failures.map((f) => [f.toAccount, f.kind]),
      [
        ['u1', 'permanent'],
        ['u2', 'exhausted'],
      ],
    );
    const result = resultOf(s, 'completed', 5);
    assert.deepEqual(result.failAccounts, ['u1', 'u2']);
    assert.equal(result.calls, 2);
    assertAccounted(s);
  });

  it('reports every outcome it settles, imported or failed, with its ref', () => {
    const s = newLedger('alice', 0, { failureDetailCap: 0 });
    const admitted = admit(s, {
      id: 's1',
      items: [
        { ref: 7, item: { To_Account: 'bob', AddSource: 'AddSource_Type_Web' } },
        { ref: 8, item: { To_Account: 'bob', AddSource: 'AddSource_Type_Web', Remark: 'later' } },
        { ref: 9, item: { To_Account: 'carol', AddSource: 'AddSource_Type_Web' } },
      ],
    });
    assert.deepEqual(
      admitted.outcomes.map((o) => [o.ref, o.toAccount, o.ok]),
      [[7, 'bob', false]],
    );
    const batch = takeBatch(s, 10, 1e9);
    const settled = applyAnswer(
      s,
      batch,
      {
        ...none,
        imported: ['bob'],
        permanent: [{ toAccount: 'carol', code: 30003, info: 'no such account' }],
      },
      5,
    );
    assert.deepEqual(
      settled.outcomes.map((o) => [o.ref, o.toAccount, o.ok ? 'imported' : o.code]),
      [
        [8, 'bob', 'imported'],
        [9, 'carol', 30003],
      ],
    );
    // The cap keeps no details in the ledger; the outcomes still carry every failure.
    assert.equal(s.failures.length, 0);
    assert.equal(s.failuresOmitted, 2);
  });

  it('cancels every queued item with one `cancelled` outcome each', () => {
    const s = newLedger('alice', 0);
    admit(s, { id: 'a', items: items(2, 'a') });
    admit(s, { id: 'b', items: items(2, 'b') });
    const { completed, outcomes } = cancelQueued(s);
    assert.deepEqual(completed, ['a', 'b']);
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? 'imported' : o.kind)),
      ['cancelled', 'cancelled', 'cancelled', 'cancelled'],
    );
    assert.deepEqual(s.failedByCode, { rejected: 4 });
  });

  it('an item retried after a transient code yields to a newer item queued meanwhile (last one wins)', () => {
    const s = newLedger('alice', 0);
    admit(s, { id: 's1', items: [item('bob', { Remark: 'old' })] });
    const batch = takeBatch(s, 10, 1e9);
    admit(s, { id: 's2', items: [item('bob', { Remark: 'new' })] }); // arrives while s1's call is in flight
    applyAnswer(
      s,
      batch,
      { ...none, imported: [], transient: [{ toAccount: 'bob', code: 30008, info: 'conflict' }] },
      5,
    );
    assert.deepEqual(
      s.queue.map((q) => [q.submissionId, q.item.Remark]),
      [['s2', 'new']],
    );
    assert.equal(s.failures[0]?.submissionId, 's1');
    assert.match(s.failures[0].reason, /superseded/);
    assertAccounted(s);
  });

  it('keeps Invalid_Account apart from Fail_Account', () => {
    const s = newLedger('alice', 0);
    admit(s, { id: 's1', items: items(2) });
    applyAnswer(
      s,
      takeBatch(s, 10, 1e9),
      {
        ...none,
        imported: ['u0'],
        permanent: [{ toAccount: 'u1', code: 30002, info: 'x' }],
        invalidAccounts: ['u1'],
      },
      3,
    );
    const r = resultOf(s, 'completed', 1);
    assert.deepEqual(r.invalidAccounts, ['u1']);
    assert.deepEqual(r.failAccounts, []);
  });

  it('fails a whole batch with one code, and cancels what is still queued', () => {
    const s = newLedger('alice', 0);
    admit(s, { id: 's1', items: items(5) });
    failBatch(
      s,
      takeBatch(s, 2, 1e9),
      { code: 30003, reason: 'From_Account does not exist', kind: 'permanent' },
      1,
    );
    assert.equal(s.calls, 1);
    cancelQueued(s);
    assert.deepEqual(s.failedByCode, { 30003: 2, rejected: 3 });
    assert.deepEqual(
      s.failures.map((f) => f.kind),
      ['permanent', 'permanent', 'cancelled', 'cancelled', 'cancelled'],
    );
    assertAccounted(s);
  });

  it('stays bounded for a 3,000-friend user whose every item failed', () => {
    const s = newLedger('a'.repeat(32), 0);
    const many = Array.from({ length: 3000 }, (_, i) =>
      item(`${'x'.repeat(24)}${String(i).padStart(8, '0')}`),
    );
    admit(s, { id: 's1', items: many });
    for (let b = takeBatch(s, 1000, 1e9); b.length > 0; b = takeBatch(s, 1000, 1e9))
      applyAnswer(
        s,
        b,
        {
          ...none,
          imported: [],
          permanent: b.map((q) => ({
            toAccount: q.item.To_Account,
            code: 30010,
            info: 'Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold',
          })),
          failAccounts: b.map((q) => q.item.To_Account),
        },
        3,
      );
    const bytes = JSON.stringify(resultOf(s, 'completed', 1)).length;
    assert.equal(s.failed, 3000);
    assert.ok(bytes < 1_000_000, `result is ${bytes} bytes`);
  });

  it('caps failure details and counts the rest', () => {
    const s = newLedger('alice', 0);
    admit(s, {
      id: 's1',
      items: Array.from({ length: MAX_FAILURE_DETAILS + 10 }, (_, i) => ({
        ...item(`a${i}`),
        rejected: 'AddSource is bad',
      })),
    });
    assert.equal(s.failures.length, MAX_FAILURE_DETAILS);
    assert.equal(s.failuresOmitted, 10);
    assert.equal(s.failed, MAX_FAILURE_DETAILS + 10);
  });
});
