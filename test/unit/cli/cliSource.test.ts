import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliError } from '../../../cli/commands/errors.js';
import { checkSource, encodingProblem, formatOf } from '../../../cli/commands/support/source.js';

describe('input checks before a job starts', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-source-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const file = async (name: string, content: string | Buffer): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  const rejects = async (path: string, format: 'jsonl' | 'csv', pattern: RegExp): Promise<void> => {
    await assert.rejects(checkSource(path, format), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, pattern);
      assert.doesNotMatch(err.message, /\n/, 'one sentence');
      return true;
    });
  };

  it('takes the format from the extension unless given', async () => {
    assert.equal(formatOf('a/b.jsonl'), 'jsonl');
    assert.equal(formatOf('b.NDJSON'), 'jsonl');
    assert.equal(formatOf('b.csv'), 'csv');
    assert.equal(formatOf('b.txt', 'CSV'), 'csv');
    assert.throws(() => formatOf(join(dir, 'data.txt')), /does not exist/);
    const txt = await file('data.txt', '{}\n');
    assert.throws(() => formatOf(txt), /--format jsonl\|csv/);
    assert.throws(() => formatOf('b.csv', 'xml'), /--format must be jsonl or csv/);
  });

  it('says a path without an extension is a folder, or missing, before blaming the extension', async () => {
    await mkdir(join(dir, 'adir'));
    const sentence = (path: string): string => {
      try {
        formatOf(path);
      } catch (err) {
        assert.ok(err instanceof CliError && err.exitCode === 2, String(err));
        return err.message;
      }
      return assert.fail(`${path} was accepted`);
    };
    assert.equal(sentence(join(dir, 'adir')), `${join(dir, 'adir')} is a folder, not a file`);
    assert.equal(sentence(join(dir, 'nothing-here')), `${join(dir, 'nothing-here')} does not exist`);
    // With --format the folder is still found, by checkSource.
    await rejects(join(dir, 'adir'), 'jsonl', /adir is a folder, not a file$/);
  });

  it('refuses a source without a single row, before any job', async () => {
    await rejects(await file('none.jsonl', ''), 'jsonl', /none\.jsonl is empty: there is nothing to read$/);
    await rejects(await file('none.csv', ''), 'csv', /none\.csv is empty/);
    await rejects(
      await file('header.csv', 'From_Account,To_Account,AddSource\n'),
      'csv',
      /header\.csv holds a CSV header and no rows: there is nothing to read$/,
    );
    await rejects(
      await file('header-blank.csv', 'From_Account,To_Account,AddSource\r\n\r\n  \r\n'),
      'csv',
      /holds a CSV header and no rows/,
    );
    await rejects(
      await file('blank.jsonl', '\n  \n\t\n'),
      'jsonl',
      /blank\.jsonl holds only blank lines: there is nothing to read$/,
    );
    // One row, even a bad one, is something to read: the job reports it.
    assert.ok(await checkSource(await file('one-bad.jsonl', '\n\nnot json\n'), 'jsonl'));
    assert.ok(await checkSource(await file('one.csv', 'From_Account,To_Account,AddSource\n\na,b,c'), 'csv'));
  });

  it('refuses files it cannot read at all, in one sentence', async () => {
    await rejects(join(dir, 'missing.jsonl'), 'jsonl', /does not exist/);
    await mkdir(join(dir, 'folder.jsonl'));
    await rejects(join(dir, 'folder.jsonl'), 'jsonl', /is a folder/);
    await rejects(await file('empty.jsonl', ''), 'jsonl', /is empty/);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}\n', 'utf16le')]);
    await rejects(await file('utf16.jsonl', utf16), 'jsonl', /UTF-16/);
    await rejects(await file('nul.jsonl', Buffer.from('{"a"\u0000:1}\n')), 'jsonl', /NUL bytes/);
    const gbk = Buffer.from([0x7b, 0xc4, 0xe3, 0xba, 0xc3, 0x7d, 0x0a]); // 你好 in GBK
    await rejects(await file('gbk.jsonl', gbk), 'jsonl', /not UTF-8/);
  });

  it('refuses a CSV with a bad header', async () => {
    await rejects(await file('a.csv', 'From,To\nx,y\n'), 'csv', /unknown column/);
    await rejects(
      await file('b.csv', 'From_Account,AddSource\nx,y\n'),
      'csv',
      /lacks the required column\(s\) To_Account/,
    );
  });

  it('accepts UTF-8 (with or without a BOM), even with bad rows further in', async () => {
    assert.deepEqual(await checkSource(await file('ok.jsonl', '{"x":1}\nnot json\n'), 'jsonl'), {
      bytes: 17,
    });
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('From_Account,To_Account,AddSource\na,b,AddSource_Type_Web\n'),
    ]);
    assert.ok(await checkSource(await file('bom.csv', bom), 'csv'));
  });

  it('lets a character cut at the end of the checked head pass', () => {
    const text = Buffer.from('ab你');
    assert.equal(encodingProblem(text.subarray(0, 3), false), undefined);
    assert.match(encodingProblem(text.subarray(0, 3), true) ?? '', /not UTF-8/);
  });
});
