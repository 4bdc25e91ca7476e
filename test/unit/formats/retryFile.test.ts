import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatByExtension, type LineOutcome } from '../../../core/jobTypes.js';
import { writeOutcomes } from '../../../formats/importReport.js';
import {
  countRetryItems,
  retryFilePath,
  retrySelection,
  writeRetryFile,
} from '../../../formats/retryFile.js';
import { parseCsvRecord, parseCsvHeader } from '../../../formats/source/records.js';

const item = (to: string, extra: object = {}) => ({
  To_Account: to,
  AddSource: 'AddSource_Type_Test',
  ...extra,
});
const failed = (
  toAccount: string,
  code: LineOutcome['failed'][number]['code'],
  kind: LineOutcome['failed'][number]['kind'],
) => ({
  toAccount,
  code,
  reason: 'r',
  kind,
});

describe('retry file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'retry-file-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('goes beside the report', () => {
    assert.equal(retryFilePath('/r/job-1/report.jsonl', 'jsonl'), '/r/job-1/retry.jsonl');
    assert.equal(retryFilePath('/r/job-1/report.jsonl', 'csv'), '/r/job-1/retry.csv');
    assert.equal(retryFilePath('/r/mine.jsonl', 'csv'), '/r/mine.retry.csv');
    assert.equal(retryFilePath('s3://b/p/job/report.jsonl', 'jsonl'), 's3://b/p/job/retry.jsonl');
    assert.equal(retryFilePath('report.jsonl', 'jsonl'), 'retry.jsonl');
    // `import` tells their format by the extension, as any file's.
    for (const f of ['jsonl', 'csv'] as const) {
      assert.equal(formatByExtension(retryFilePath('/r/j/report.jsonl', f)), f);
      assert.equal(formatByExtension(retryFilePath('/r/mine.jsonl', f)), f);
    }
  });

  it('JSONL: one body per line with retryable items, every field kept; a later row for the pair wins', async () => {
    const src = join(dir, 'in.jsonl');
    const lines = [
      {
        From_Account: 'a',
        AddFriendItem: [item('x', { Remark: 'rx', GroupName: ['g|1', 'g2'] }), item('y'), item('z')],
      },
      {
        From_Account: 'b',
        AddFriendItem: [item('x', { CustomItem: [{ Tag: 'Tag_SNS_Custom_k', Value: 'v' }] })],
      },
      {
        From_Account: 'c',
        AddFriendItem: [item('x'), item('y', { AddWording: 'hi', AddTime: 5, RemarkTime: 7 })],
      },
      { From_Account: 'd', AddFriendItem: [item('x')] },
      { From_Account: 'c', AddFriendItem: [item('x', { Remark: 'later' })] },
    ];
    await writeFile(src, lines.map((l) => JSON.stringify(l)).join('\n') + '\n{broken\n');
    const reportDir = join(dir, 'jsonl.parts');
    const outcomes: LineOutcome[] = [
      {
        line: 1,
        fromAccount: 'a',
        imported: ['y'],
        failed: [failed('x', 30006, 'exhausted'), failed('z', 30010, 'permanent')],
      },
      { line: 2, fromAccount: 'b', imported: [], failed: [failed('x', 30003, 'permanent')] },
      {
        line: 3,
        fromAccount: 'c',
        imported: [],
        failed: [failed('x', 'rejected', 'cancelled'), failed('y', 'rejected', 'cancelled')],
      },
      { line: 4, fromAccount: 'd', imported: [], failed: [failed('x', 'rejected', 'rejected')] },
      { line: 5, fromAccount: 'c', imported: ['x'], failed: [] },
      { line: 6, fromAccount: '', imported: [], failed: [failed('', 'rejected', 'rejected')] },
    ];
    await writeOutcomes(reportDir, 1, 1, outcomes);
    const target = join(dir, 'retry.jsonl');
    const r = await writeRetryFile({
      source: { path: src, format: 'jsonl' },
      outcomesDir: reportDir,
      target,
    });
    assert.deepEqual(r, { retryFile: target, retryItems: 3 });
    const got = (await readFile(target, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(got, [
      { From_Account: 'a', AddFriendItem: [item('x', { Remark: 'rx', GroupName: ['g|1', 'g2'] })] },
      { From_Account: 'b', AddFriendItem: [lines[1]!.AddFriendItem[0]] },
      // c→x of line 3 is dropped: line 5 (imported) names the same pair later.
      { From_Account: 'c', AddFriendItem: [item('y', { AddWording: 'hi', AddTime: 5, RemarkTime: 7 })] },
    ]);
    assert.equal(await countRetryItems(target, 'jsonl'), 3);
  });

  it('takes every valid item of lines the job never read (a cancelled job)', async () => {
    const src = join(dir, 'cut.jsonl');
    await writeFile(
      src,
      [
        { From_Account: 'a', AddFriendItem: [item('x')] },
        { From_Account: 'b', AddFriendItem: [item('x'), item('b')] }, // b→b is invalid: own friend
        { From_Account: 'c', AddFriendItem: [item('x')] },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const reportDir = join(dir, 'cut.parts');
    await writeOutcomes(reportDir, 1, 1, [{ line: 1, fromAccount: 'a', imported: ['x'], failed: [] }]);
    const target = join(dir, 'cut-retry.jsonl');
    const r = await writeRetryFile({
      source: { path: src, format: 'jsonl' },
      outcomesDir: reportDir,
      readTo: { eof: false, line: 2 },
      target,
    });
    assert.equal(r.retryItems, 2);
    assert.deepEqual(
      (await readFile(target, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
      [
        { From_Account: 'b', AddFriendItem: [item('x')] },
        { From_Account: 'c', AddFriendItem: [item('x')] },
      ],
    );
  });

  it('CSV: the input’s header and rows as written (tag columns, GroupName with |)', async () => {
    const src = join(dir, 'in.csv');
    const header = 'From_Account,To_Account,AddSource,Remark,GroupName,Tag_SNS_Custom_Level';
    const rows = [
      'a,x,AddSource_Type_Test,"hello, you",g1|g\\|2,7',
      'a,y,AddSource_Type_Test,,,',
      'b,x,AddSource_Type_Test,r,g3,"=1+1"',
      'b,x,AddSource_Type_Web,,,', // the later row for b→x: line 4 was superseded by it
      'c,c,AddSource_Type_Test,,,',
    ];
    await writeFile(src, [header, ...rows].join('\r\n') + '\r\n');
    const reportDir = join(dir, 'csv.parts');
    await writeOutcomes(reportDir, 1, 1, [
      { line: 2, fromAccount: 'a', imported: [], failed: [failed('x', 70107, 'permanent')] },
      { line: 3, fromAccount: 'a', imported: [], failed: [failed('y', 30005, 'permanent')] },
      { line: 4, fromAccount: 'b', imported: [], failed: [failed('x', 'superseded', 'superseded')] },
      { line: 5, fromAccount: 'b', imported: [], failed: [failed('x', 60007, 'exhausted')] },
      { line: 6, fromAccount: 'c', imported: [], failed: [failed('c', 'rejected', 'rejected')] },
    ]);
    const target = join(dir, 'retry.csv');
    const r = await writeRetryFile({
      source: { path: src, format: 'csv' },
      outcomesDir: reportDir,
      readTo: { eof: true, line: 7 },
      target,
    });
    assert.equal(r.retryItems, 2);
    const text = await readFile(target, 'utf8');
    assert.equal(text, [header, rows[0], rows[3]].join('\n') + '\n');
    const columns = parseCsvHeader(header);
    const first = parseCsvRecord(columns, rows[0]!, 2).items[0]?.item;
    assert.deepEqual(first?.GroupName, ['g1', 'g|2']);
    assert.deepEqual(first?.CustomItem, [{ Tag: 'Tag_SNS_Custom_Level', Value: '7' }]);
    assert.equal(await countRetryItems(target, 'csv'), 2);
  });

  it('is written empty (a CSV its header) when nothing is retryable, without reading a read source', async () => {
    const reportDir = join(dir, 'none.parts');
    await writeOutcomes(reportDir, 1, 1, [
      { line: 1, fromAccount: 'a', imported: [], failed: [failed('x', 30001, 'permanent')] },
    ]);
    const target = join(dir, 'none.jsonl');
    // The source is gone: with every line read and nothing retryable it is not needed.
    const r = await writeRetryFile({
      source: { path: join(dir, 'gone.jsonl'), format: 'jsonl' },
      outcomesDir: reportDir,
      readTo: { eof: true, line: 2 },
      target,
    });
    assert.deepEqual(r, { retryFile: target, retryItems: 0 });
    assert.equal(await readFile(target, 'utf8'), '');
    assert.equal(await countRetryItems(target, 'jsonl'), 0);

    const csv = join(dir, 'none-src.csv');
    await writeFile(csv, 'From_Account,To_Account,AddSource\na,x,AddSource_Type_Test\n');
    const csvTarget = join(dir, 'none.csv');
    await writeRetryFile({
      source: { path: csv, format: 'csv' },
      outcomesDir: reportDir,
      readTo: { eof: true, line: 3 },
      target: csvTarget,
    });
    assert.equal(await readFile(csvTarget, 'utf8'), 'From_Account,To_Account,AddSource\n');
  });

  it('selection: the last line with an outcome when the job did not say where it stopped', async () => {
    const reportDir = join(dir, 'sel.parts');
    await writeOutcomes(reportDir, 1, 1, [
      { line: 4, fromAccount: 'a', imported: ['x'], failed: [] },
      { line: 2, fromAccount: 'b', imported: [], failed: [failed('"failed":[]', 30003, 'permanent')] },
    ]);
    const s = await retrySelection(reportDir);
    assert.equal(s.readThrough, 4);
    assert.deepEqual([...s.keys], [JSON.stringify([2, 'b', '"failed":[]'])]);
    assert.equal((await retrySelection(reportDir, { eof: true, line: 5 })).readThrough, Infinity);
    assert.equal((await retrySelection(reportDir, { eof: false, line: 9 })).readThrough, 8);
  });

  it('counts no items of a retry file that is not there', async () => {
    assert.equal(await countRetryItems(join(dir, 'missing.csv'), 'csv'), undefined);
  });
});
