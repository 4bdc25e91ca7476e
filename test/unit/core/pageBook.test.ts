import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceCursor } from '../../../core/jobTypes.js';
import { PageBook, type PageRecord } from '../../../core/pageBook.js';
import type { FriendImportAnswer } from '../../../core/userImportTypes.js';

const OPTIONS = {
  batchSize: 3,
  maxBatchBytes: 1e9,
  maxItemAttempts: 2,
  lookaheadItems: 4,
  maxBufferedItems: 1_000,
  resumed: false,
};
const at = (line: number): SourceCursor => ({ offset: line * 100, line });
const record = (line: number, from: string, tos: string[]): PageRecord => ({
  line,
  fromAccount: from,
  items: tos.map((to) => ({ ref: line, item: { To_Account: to, AddSource: 'AddSource_Type_Web' } })),
  rejections: [],
  itemCount: tos.length,
});
const answer = (imported: string[], extra: Partial<FriendImportAnswer> = {}): FriendImportAnswer => ({
  attempt: 1,
  imported,
  transient: [],
  permanent: [],
  missing: [],
  failAccounts: [],
  invalidAccounts: [],
  ...extra,
});
const all = (): boolean => true;

function feed(book: PageBook, records: PageRecord[]): void {
  for (const r of records) book.add(r, at(r.line), at(r.line + 1));
}

describe('PageBook', () => {
  it('a user is ready once the reader is past it (lookahead) or its batch is full', () => {
    const book = new PageBook(OPTIONS, at(1));
    feed(book, [record(1, 'a', ['x']), record(2, 'b', ['x', 'y', 'z'])]);
    // b has a full batch; a waits until 4 more items were read after it.
    assert.deepEqual(book.ready(false, 10, all), ['b']);
    feed(book, [record(3, 'c', ['x'])]);
    assert.deepEqual(book.ready(false, 10, all), ['a', 'b']);
    assert.deepEqual(book.ready(true, 10, all), ['a', 'b', 'c']);
    // Only held users go; `max` bounds the calls started at once.
    assert.deepEqual(
      book.ready(true, 10, (u) => u !== 'a'),
      ['b', 'c'],
    );
    assert.deepEqual(book.ready(true, 1, all), ['a']);
  });

  it('settles lines in file order: the checkpoint never passes a line with an item in flight', () => {
    const book = new PageBook(OPTIONS, at(1));
    feed(book, [record(1, 'a', ['x']), record(2, 'b', ['y'])]);
    const a = book.takeBatch('a');
    const b = book.takeBatch('b');
    book.answer('b', b, answer(['y']));
    assert.equal(book.settle(), undefined);
    assert.deepEqual(book.resumeAt(), at(1));
    book.answer('a', a, answer(['x']));
    const settled = book.settle();
    assert.deepEqual(
      settled?.outcomes.map((o) => [o.line, o.fromAccount, o.imported]),
      [
        [1, 'a', ['x']],
        [2, 'b', ['y']],
      ],
    );
    assert.deepEqual(settled?.resumeAt, at(3));
    assert.deepEqual(
      [book.checkpointed.lines, book.checkpointed.items, book.checkpointed.imported, book.checkpointed.users],
      [2, 2, 2, 2],
    );
  });

  it('one call per user at a time; the last item for a friend wins within the user', () => {
    const book = new PageBook(OPTIONS, at(1));
    feed(book, [record(1, 'a', ['x', 'y']), record(2, 'a', ['x'])]);
    const first = book.takeBatch('a');
    assert.deepEqual(
      first.map((q) => [q.ref, q.item.To_Account]),
      [
        [1, 'y'],
        [2, 'x'],
      ],
    );
    assert.deepEqual(book.takeBatch('a'), [], 'busy: no second batch');
    book.answer('a', first, answer(['y', 'x']));
    const settled = book.settle();
    assert.deepEqual(
      settled?.outcomes.map((o) => [o.line, o.imported, o.failed.map((f) => f.kind)]),
      [
        [1, ['y'], ['superseded']],
        [2, ['x'], []],
      ],
    );
  });

  it('records unusable lines as failed at once, and every item exactly once', () => {
    const book = new PageBook(OPTIONS, at(1));
    book.add(
      {
        line: 1,
        items: [],
        rejections: [
          {
            line: 1,
            fromAccount: '',
            toAccount: '',
            code: 'rejected',
            reason: 'is not valid JSON',
            kind: 'rejected',
          },
        ],
        itemCount: 1,
      },
      at(1),
      at(2),
    );
    feed(book, [record(2, 'a', ['x', 'y'])]);
    const batch = book.takeBatch('a');
    book.answer(
      'a',
      batch,
      answer(['x'], {
        permanent: [{ toAccount: 'y', code: 30003, info: 'no such account' }],
        failAccounts: ['y'],
      }),
    );
    const out = book.settle()?.outcomes ?? [];
    assert.deepEqual(
      out.map((o) => [o.line, o.imported.length, o.failed.map((f) => f.code)]),
      [
        [1, 0, ['rejected']],
        [2, 1, [30003]],
      ],
    );
    assert.deepEqual([book.live.items, book.live.imported, book.live.failed], [3, 1, 2]);
    assert.deepEqual(book.live.failedByCode, { rejected: 1, 30003: 1 });
  });

  it('cancel ends every item read and not sent as cancelled; an abandoned batch is done again', () => {
    const book = new PageBook(OPTIONS, at(1));
    feed(book, [record(1, 'a', ['x']), record(2, 'b', ['y'])]);
    const a = book.takeBatch('a');
    book.abandon('a', a, 1);
    book.cancelAll('not sent: the job was cancelled');
    const out = book.settle()?.outcomes ?? [];
    assert.deepEqual(
      out.map((o) => o.failed.map((f) => f.kind)),
      [['cancelled'], ['cancelled']],
    );
    assert.equal(book.buffered, 0);
  });

  it('forgets users the reader has moved past once they have nothing left (their lease goes back)', () => {
    const book = new PageBook(OPTIONS, at(1));
    feed(book, [record(1, 'a', ['x'])]);
    assert.deepEqual(book.toLease(), ['a']);
    assert.deepEqual(book.toLease(), [], 'asked once');
    const batch = book.takeBatch('a');
    book.answer('a', batch, answer(['x']));
    assert.deepEqual(book.done(false), [], 'the reader may still find more of a');
    assert.deepEqual(book.done(true), ['a']);
    assert.equal(book.openUsers, 0);
  });

  it('a resumed page marks every item as possibly landed', () => {
    const book = new PageBook({ ...OPTIONS, resumed: true }, at(1));
    feed(book, [record(1, 'a', ['x'])]);
    assert.equal(book.takeBatch('a')[0]?.maybeLanded, true);
  });
});
