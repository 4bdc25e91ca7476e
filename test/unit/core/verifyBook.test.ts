import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReportRow, SourceCursor } from '../../../core/jobTypes.js';
import type { PageRecord } from '../../../core/pageBook.js';
import { VerifyBook } from '../../../core/verifyBook.js';
import { judgePairs, type ServiceView } from '../../../core/verifyCompare.js';

const at = (line: number): SourceCursor => ({ offset: line * 100, line });
const record = (line: number, from: string, tos: string[], remark?: string): PageRecord => ({
  line,
  fromAccount: from,
  items: tos.map((to) => ({
    ref: line,
    item: { To_Account: to, AddSource: 'AddSource_Type_Web', ...(remark && { Remark: remark }) },
  })),
  rejections: [],
  itemCount: tos.length,
});
const rejected = (line: number, from: string, to: string): PageRecord => {
  const row: ReportRow = {
    line,
    fromAccount: from,
    toAccount: to,
    code: 'rejected',
    reason: 'Remark too long',
    kind: 'rejected',
  };
  return { line, fromAccount: from, items: [], rejections: [row], itemCount: 1 };
};
const unusable = (line: number): PageRecord => ({
  line,
  items: [],
  rejections: [
    { line, fromAccount: '', toAccount: '', code: 'rejected', reason: 'not JSON', kind: 'rejected' },
  ],
  itemCount: 1,
});
const OPTIONS = { lookaheadItems: 3, maxBufferedPairs: 1_000 };
const everyone: ServiceView = {
  kind: 'read',
  friends: new Map([
    ['b', undefined],
    ['c', undefined],
    ['x', undefined],
  ]),
};

function feed(book: VerifyBook, records: PageRecord[]): void {
  for (const r of records) book.add(r, at(r.line), at(r.line + 1));
}

describe('VerifyBook', () => {
  it('the last row that would be sent decides a pair; a rejected later row does not hide it', () => {
    const book = new VerifyBook(OPTIONS, at(1));
    feed(book, [
      record(1, 'a', ['b', 'c'], 'old'),
      record(2, 'a', ['b'], 'new'),
      rejected(3, 'a', 'c'),
      rejected(4, 'a', 'x'),
    ]);
    const [run] = book.ready(true, 10);
    assert.ok(run);
    const byTo = new Map(run.pairs.map((p) => [p.toAccount, p]));
    assert.equal(byTo.get('b')?.line, 2);
    assert.equal(byTo.get('b')?.item?.Remark, 'new');
    assert.equal(byTo.get('c')?.expect, 'present', 'the rejected row 3 was never sent: row 1 stands');
    assert.equal(byTo.get('c')?.line, 1);
    assert.equal(byTo.get('x')?.expect, 'absent');
    assert.equal(byTo.get('x')?.line, 4);
  });

  it('an import job failure makes a pair absent; the lookup names it', () => {
    const book = new VerifyBook(OPTIONS, at(1));
    book.add(record(1, 'a', ['b', 'c']), at(1), at(2), (line, from, to) =>
      line === 1 && from === 'a' && to === 'c' ? 'import job j failed it: 30003' : undefined,
    );
    const [run] = book.ready(true, 10);
    const c = run?.pairs.find((p) => p.toAccount === 'c');
    assert.deepEqual([c?.expect, c?.why], ['absent', 'import job j failed it: 30003']);
  });

  it('a run is ready once the reader is past it; a user met again later starts a new run', () => {
    const book = new VerifyBook(OPTIONS, at(1));
    feed(book, [record(1, 'a', ['b']), record(2, 'z', ['b'])]);
    assert.deepEqual(book.ready(false, 10), [], 'only 1 item read after a');
    feed(book, [record(3, 'y', ['b', 'c'])]);
    const ready = book.ready(false, 10);
    assert.deepEqual(
      ready.map((r) => r.from),
      ['a'],
    );
    feed(book, [record(4, 'a', ['c'])]);
    const later = book.ready(true, 10);
    assert.deepEqual(
      later.map((r) => [r.from, r.id]),
      [
        ['z', 2],
        ['y', 3],
        ['a', 4],
      ],
    );
  });

  it('settles lines in file order once their runs are checked; the checkpoint stops at the first open one', () => {
    const book = new VerifyBook(OPTIONS, at(1));
    feed(book, [record(1, 'a', ['b']), unusable(2), record(3, 'z', ['c'])]);
    const runs = book.ready(true, 10);
    assert.equal(book.settle(), undefined, 'line 1 is still being checked');
    const z = runs.find((r) => r.from === 'z');
    const a = runs.find((r) => r.from === 'a');
    assert.ok(z && a);
    book.complete(z.id, judgePairs(z.pairs, everyone, false));
    assert.equal(book.settle(), undefined);
    assert.deepEqual(book.resumeAt(), at(1));
    book.complete(a.id, judgePairs(a.pairs, { kind: 'read', friends: new Map() }, false));
    const settled = book.settle();
    assert.deepEqual(
      settled?.outcomes.map((o) => [o.line, o.run, o.present, o.absent, o.diffs.map((d) => d.differs[0])]),
      [
        [1, 1, [], [], ['missing']],
        [2, 0, [], [], []],
        [3, 3, ['c'], [], []],
      ],
    );
    assert.deepEqual(settled?.resumeAt, at(4));
    assert.deepEqual(
      [
        book.checkpointed.lines,
        book.checkpointed.pairs,
        book.checkpointed.present,
        book.checkpointed.missing,
      ],
      [3, 2, 1, 1],
    );
  });

  it('an abandoned run keeps its lines open for the next attempt', () => {
    const book = new VerifyBook(OPTIONS, at(1));
    feed(book, [record(1, 'a', ['b']), record(2, 'z', ['c'])]);
    const [a, z] = book.ready(true, 10);
    assert.ok(a && z);
    book.abandon(a.id);
    book.complete(z.id, judgePairs(z.pairs, everyone, false));
    assert.equal(book.settle(), undefined);
    assert.deepEqual(book.resumeAt(), at(1));
    assert.equal(book.openRuns, 0);
    assert.equal(book.buffered, 0);
  });

  it('counts what it reads and holds at most its buffer before every run is ready', () => {
    const book = new VerifyBook({ lookaheadItems: 1_000, maxBufferedPairs: 3 }, at(1));
    feed(book, [record(1, 'a', ['b', 'c'])]);
    assert.equal(book.full, false);
    feed(book, [record(2, 'z', ['b'])]);
    assert.equal(book.full, true);
    assert.equal(book.ready(false, 10).length, 2);
    assert.deepEqual([book.live.lines, book.live.items, book.live.users], [2, 3, 2]);
    assert.deepEqual([...book.users], ['a', 'z']);
  });
});
