import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryable, retryKey, RetryCollector } from '../../../core/retryable.js';
import type { FailureKind, UnsentCode } from '../../../core/userImportTypes.js';

const f = (kind: FailureKind, code: number | UnsentCode) => ({ kind, code });

describe('isRetryable: which items a re-run could change', () => {
  it('retries spent and items not sent because the job stopped: yes', () => {
    for (const code of [30006, 30007, 30008, 60007, 60018, 70169, -1, -2, -1502, -1429])
      assert.equal(isRetryable(f('exhausted', code)), true, String(code));
    assert.equal(isRetryable(f('cancelled', 'rejected')), true);
  });

  it('an account that did not exist: yes (it may have been created since)', () => {
    for (const code of [30003, 31804, 70107])
      assert.equal(isRetryable(f('permanent', code)), true, String(code));
  });

  it('a retry-class code recorded permanent: yes', () => {
    assert.equal(isRetryable(f('permanent', 30006)), true);
    assert.equal(isRetryable(f('permanent', 60007)), true);
  });

  it('bad input, superseded rows and the service refusing the data: no', () => {
    assert.equal(isRetryable(f('rejected', 'rejected')), false);
    assert.equal(isRetryable(f('superseded', 'superseded')), false);
    // already a friend (refused) / bad parameter, sensitive words, limits, blocklists, an unknown code
    for (const code of [30001, 30005, 30010, 30011, 30014, 30515, 30525, 30539, 70051, 12345, -1404])
      assert.equal(isRetryable(f('permanent', code)), false, String(code));
  });
});

describe('RetryCollector: the retry file’s items in file order', () => {
  const keys = new Set([retryKey(2, 'a', 'x'), retryKey(3, 'a', 'y'), retryKey(5, 'b', 'z')]);

  it('keeps the retryable items, and every item after the last line the job read', () => {
    const c = new RetryCollector<string>({ keys, readThrough: 5 });
    c.offer(1, 'a', 'w', 'w1');
    c.offer(2, 'a', 'x', 'x2');
    c.offer(3, 'a', 'y', 'y3');
    c.offer(3, 'a', 'q', 'q3');
    c.offer(5, 'b', 'z', 'z5');
    c.offer(6, 'b', 'u', 'u6');
    c.offer(7, 'c', 'v', 'v7');
    assert.deepEqual(
      c.kept().map((k) => [k.line, k.fromAccount, k.value]),
      [
        [2, 'a', 'x2'],
        [3, 'a', 'y3'],
        [5, 'b', 'z5'],
        [6, 'b', 'u6'],
        [7, 'c', 'v7'],
      ],
    );
  });

  it('drops an item a later row for the same pair wins over, retryable or not', () => {
    const c = new RetryCollector<string>({ keys, readThrough: Infinity });
    c.offer(2, 'a', 'x', 'x2');
    c.offer(3, 'a', 'y', 'y3');
    c.offer(4, 'a', 'x', 'x4'); // imported later: the earlier retryable one must not undo it
    c.offer(5, 'b', 'z', 'z5');
    assert.deepEqual(
      c.kept().map((k) => k.value),
      ['y3', 'z5'],
    );
    const d = new RetryCollector<string>({ keys: new Set([retryKey(2, 'a', 'x')]), readThrough: 2 });
    d.offer(2, 'a', 'x', 'x2');
    d.offer(3, 'a', 'x', 'x3'); // never read: it goes, the earlier one does not
    assert.deepEqual(
      d.kept().map((k) => k.value),
      ['x3'],
    );
  });

  it('keeps nothing when nothing is retryable and every line was read', () => {
    const c = new RetryCollector<string>({ keys: new Set(), readThrough: Infinity });
    c.offer(1, 'a', 'x', 'x1');
    assert.deepEqual(c.kept(), []);
  });
});
