import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACCOUNT_MISSING_CODE,
  accountsOf,
  addAccountTotals,
  emptyAccountTotals,
  failUncreatable,
  SeenAccounts,
  type UncreatableAccount,
} from '../../../core/accounts.js';
import type { SourceCursor } from '../../../core/jobTypes.js';
import { PageBook, type PageRecord } from '../../../core/pageBook.js';

const at = (line: number): SourceCursor => ({ offset: line * 100, line });
const record = (line: number, from: string, tos: string[]): PageRecord => ({
  line,
  fromAccount: from,
  items: tos.map((to) => ({ ref: line, item: { To_Account: to, AddSource: 'AddSource_Type_Web' } })),
  rejections: [],
  itemCount: tos.length,
});
const uncreatable = (...accounts: string[]): Map<string, UncreatableAccount> =>
  new Map(accounts.map((account) => [account, { account, code: 0, reason: 'listed in FailAccounts' }]));

describe('accounts first', () => {
  it('a record names its From_Account and every To_Account; a rejected line names none', () => {
    assert.deepEqual(accountsOf(record(1, 'a', ['b', 'c'])), ['a', 'b', 'c']);
    const rejected: PageRecord = {
      line: 2,
      fromAccount: 'a',
      items: [],
      rejections: [
        { line: 2, fromAccount: 'a', toAccount: '', code: 'rejected', reason: 'bad', kind: 'rejected' },
      ],
      itemCount: 1,
    };
    assert.deepEqual(accountsOf(rejected), []);
  });

  it('an uncreatable To_Account fails its item only; an uncreatable From_Account fails the whole line', () => {
    const r = record(3, 'a', ['b', 'x', 'c']);
    const out = failUncreatable(r, uncreatable('x'));
    assert.deepEqual(
      out.items.map((i) => i.item.To_Account),
      ['b', 'c'],
    );
    assert.deepEqual(out.rejections, [
      {
        line: 3,
        fromAccount: 'a',
        toAccount: 'x',
        code: ACCOUNT_MISSING_CODE,
        reason: 'account x could not be created: listed in FailAccounts',
        kind: 'permanent',
      },
    ]);
    assert.equal(out.itemCount, 3, 'the line still counts its three items');
    assert.equal(r.items.length, 3, 'the record read is not changed');

    const all = failUncreatable(record(4, 'x', ['b', 'c']), uncreatable('x'));
    assert.deepEqual(all.items, []);
    assert.deepEqual(
      all.rejections.map((f) => [f.toAccount, f.reason]),
      [
        ['b', 'account x could not be created: listed in FailAccounts'],
        ['c', 'account x could not be created: listed in FailAccounts'],
      ],
    );
  });

  it('a record naming no uncreatable account is passed on as it is', () => {
    const r = record(5, 'a', ['b']);
    assert.equal(failUncreatable(r, uncreatable('x')), r);
    assert.equal(failUncreatable(r, new Map()), r);
  });

  it('in a page, each item keeps one outcome: the failed ones permanent under 30003, the rest sent', () => {
    const book = new PageBook(
      {
        batchSize: 10,
        maxBatchBytes: 1e9,
        maxItemAttempts: 2,
        lookaheadItems: 1,
        maxBufferedItems: 1_000,
        resumed: false,
      },
      at(1),
    );
    const gone = uncreatable('x');
    for (const r of [record(1, 'a', ['x', 'b']), record(2, 'x', ['c'])])
      book.add(failUncreatable(r, gone), at(r.line), at(r.line + 1));
    assert.deepEqual(book.takeBatch('x'), [], 'nothing to send for the uncreatable user');
    const batch = book.takeBatch('a');
    assert.deepEqual(
      batch.map((q) => q.item.To_Account),
      ['b'],
    );
    book.answer('a', batch, {
      attempt: 1,
      imported: ['b'],
      transient: [],
      permanent: [],
      missing: [],
      failAccounts: [],
      invalidAccounts: [],
    });
    const lines = book.settle()?.outcomes ?? [];
    assert.deepEqual(
      lines.map((o) => [
        o.line,
        o.fromAccount,
        o.imported,
        o.failed.map((f) => [f.toAccount, f.code, f.kind]),
      ]),
      [
        [1, 'a', ['b'], [['x', 30003, 'permanent']]],
        [2, 'x', [], [['c', 30003, 'permanent']]],
      ],
    );
    assert.deepEqual([book.checkpointed.items, book.checkpointed.failed], [3, 2]);
    assert.deepEqual(book.checkpointed.failedByCode, { 30003: 2 });
  });

  it('the distinct accounts are remembered up to a bound, then forgotten (checked again)', () => {
    const seen = new SeenAccounts(2);
    assert.deepEqual(
      ['a', 'b', 'a', 'c', 'a'].map((x) => seen.first(x)),
      [true, true, false, true, true],
    );
  });

  it('totals add up field by field', () => {
    const t = emptyAccountTotals();
    addAccountTotals(t, {
      checked: 3,
      created: 1,
      failed: 1,
      calls: { account_check: 1, multiaccount_import: 2 },
    });
    addAccountTotals(t, {
      checked: 2,
      created: 0,
      failed: 0,
      calls: { account_check: 1, multiaccount_import: 0 },
    });
    assert.deepEqual(t, {
      checked: 5,
      created: 1,
      failed: 1,
      calls: { account_check: 2, multiaccount_import: 2 },
    });
  });
});
