/**
 * The retry file of a bulk job, end to end through `friend-import import` against a dev server
 * and the emulator: a job where some items spend their retries and some accounts do not exist
 * writes exactly those items, with every field of the input, in the input's format; once the
 * faults are lifted and the accounts created, importing the retry file lands every one, and the
 * emulator holds what the original file must produce.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { parseCsvHeader, parseCsvRecord } from '../../formats/source/records.js';
import type { AddFriendItem } from '../../im/schemas.js';
import { assertFriends, friendItem } from '../support/data.js';
import { canonicalItem, diffFriends } from '../support/emulatorState.js';
import { writeCsv, writeJsonl, type UserInput } from '../support/files.js';
import { jsonOut, waitFor } from './cliHelpers.js';
import { cliStack, users } from './cliStack.js';

const TAG = 'Tag_SNS_Custom_Level';

/**
 * 20 users of 10 friends, then one later line for user 0 that repeats a pair. Faults: five
 * To_Accounts answer 30006 on every try (their retries run out); five To_Accounts and one
 * From_Account are not accounts yet (30003); one To_Account belongs to another app (30002, not
 * retryable) and one item is too long (rejected, not retryable).
 */
function scenario(p: string) {
  const list: UserInput[] = users(p, 20, 10).map((u, i) => ({
    from: u.from,
    items: u.items.map((item, j) => ({
      ...item,
      GroupName: [`ga${j % 2}`, 'gb'],
      CustomItem: [{ Tag: TAG, Value: `v${i}-${j}` }],
    })),
  }));
  const to = (i: number, j: number) => `${p}${i}-${j}`;
  const exhausted = [0, 1, 2, 3, 4].map((i) => to(i, 0));
  const missingTo = [5, 6, 7, 8, 9].map((i) => to(i, 1));
  const missingFrom = `${p}10`;
  const foreign = to(11, 2);
  list[12]!.items.push(friendItem(`${p}12-x`, { Remark: 'r'.repeat(97) }));
  const later = friendItem(to(0, 0), {
    Remark: 'later',
    GroupName: ['gc'],
    CustomItem: [{ Tag: TAG, Value: 'later' }],
  });
  list.push({ from: `${p}0`, items: [later] });

  // What the original file must produce: every valid item, the later row for a repeated pair,
  // nothing for the foreign account.
  const expected = new Map<string, Map<string, AddFriendItem>>();
  for (const u of list)
    for (const item of u.items) {
      if (item.To_Account === foreign || (item.Remark?.length ?? 0) > 96) continue;
      const mine = expected.get(u.from) ?? new Map<string, AddFriendItem>();
      mine.set(item.To_Account, item);
      expected.set(u.from, mine);
    }
  // What the retry file must hold: [From_Account, item] of the retryable ones.
  const retryable = [...expected].flatMap(([from, items]) =>
    [...items.values()]
      .filter(
        (i) => from === missingFrom || exhausted.includes(i.To_Account) || missingTo.includes(i.To_Account),
      )
      .map((i) => JSON.stringify([from, canonicalItem(i)])),
  );
  const accounts = list.flatMap((u) => [u.from, ...u.items.map((i) => i.To_Account)]);
  const absent = new Set([...missingTo, missingFrom, foreign]);
  return {
    list,
    expected,
    retryable: retryable.sort(),
    present: [...new Set(accounts)].filter((a) => !absent.has(a)),
    missing: [...missingTo, missingFrom],
    foreign,
    faults: { rules: [{ kind: 'item' as const, code: 30006, toAccounts: exhausted }] },
  };
}

describe('the retry file', { timeout: 300_000 }, () => {
  const ctx = cliStack('retry-file-');

  function prepare(s: ReturnType<typeof scenario>): void {
    const { emulator } = ctx.stack;
    emulator.seedAccounts(s.present);
    emulator.seedAccounts([s.foreign], { foreign: true });
    emulator.setFaults(s.faults);
  }

  /** Lifts the faults and creates the missing accounts, then imports the retry file. */
  async function rerun(s: ReturnType<typeof scenario>, retryFile: string, items: number): Promise<void> {
    ctx.stack.emulator.setFaults(undefined);
    ctx.stack.emulator.seedAccounts(s.missing);
    const again = await ctx.cli(['import', retryFile, '--json']);
    assert.equal(again.code, 0, again.stderr);
    const r = jsonOut<JobSummaryJson>(again);
    assert.deepEqual(
      [r.status, r.items, r.imported, r.failed, r.retryItems],
      ['completed', items, items, 0, 0],
    );
    const diff = { missing: 0, unexpected: 0, examples: [] as string[] };
    for (const [from, items] of s.expected)
      diffFriends(from, ctx.stack.emulator.friendsOf(from), [...items.values()], diff);
    assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] });
  }

  it('JSONL: one body per line with the retryable items, then a re-run lands them all', async () => {
    const s = scenario('rj');
    prepare(s);
    const file = join(ctx.dir, 'friends.jsonl');
    await writeJsonl(file, s.list);
    const r = await ctx.cli(['import', file, '--json']);
    assert.equal(r.code, 3, r.stderr);
    const sum = jsonOut<JobSummaryJson>(r);
    assert.equal(sum.retryFile, join(ctx.dir, 'friend-import-reports', sum.jobId, 'retry.jsonl'));
    assert.equal(sum.retryItems, s.retryable.length);
    assert.deepEqual(
      [sum.failedByCode, sum.superseded + sum.imported + sum.failed],
      [{ 30003: 15, 30006: 6 - sum.superseded, 30002: 1, rejected: 1 }, sum.items],
    );

    const lines = (await readFile(sum.retryFile ?? '', 'utf8')).split('\n').filter(Boolean);
    const got = lines.flatMap((l) => {
      const body = JSON.parse(l) as { From_Account: string; AddFriendItem: AddFriendItem[] };
      assert.deepEqual(Object.keys(body), ['From_Account', 'AddFriendItem']);
      return body.AddFriendItem.map((i) => JSON.stringify([body.From_Account, canonicalItem(i)]));
    });
    assert.deepEqual(got.sort(), s.retryable);
    // One line per input line with such items: users 1–4 (retries), 5–9 (a missing friend), 10
    // (a missing sender), and user 0's later line only (its earlier row for the pair is dropped).
    assert.equal(lines.length, 4 + 5 + 1 + 1);

    await rerun(s, sum.retryFile ?? '', s.retryable.length);
  });

  it('a cancelled job: every item not imported, read or not, and a re-run finishes the file', async (t) => {
    const { emulator } = ctx.stack;
    const list = users('rx', 60, 10);
    ctx.seed(list);
    const file = join(ctx.dir, 'cancel.jsonl');
    await writeJsonl(file, list);
    // Slow answers and small pages: the cancel lands with pages never read.
    emulator.setFaults({ rules: [{ kind: 'slow', delayMs: 300, fromAccounts: list.map((u) => u.from) }] });
    t.after(() => emulator.setFaults(undefined));
    const seen = emulator.calls().length;
    const job = ctx.spawn([
      'import',
      file,
      '--job-id',
      'rf-cancel',
      '--concurrency',
      '3',
      '--page-lines',
      '10',
      '--json',
    ]);
    await waitFor('calls for the job', () => emulator.calls().length - seen >= 6);
    assert.equal((await ctx.cli(['cancel', 'rf-cancel'])).code, 0);
    const done = await job.exited;
    assert.equal(done.code, 4, done.stderr);
    const sum = jsonOut<JobSummaryJson>(done);
    assert.ok(sum.lines < 60, `the job stopped before the end (${sum.lines} lines read)`);

    // Exactly the items the emulator does not hold, every field as the input gave it.
    const notImported = list.flatMap((u) => {
      const held = new Set(emulator.friendsOf(u.from).map((f) => f.To_Account));
      return u.items
        .filter((i) => !held.has(i.To_Account))
        .map((i) => JSON.stringify([u.from, canonicalItem(i)]));
    });
    const got = (await readFile(sum.retryFile ?? '', 'utf8'))
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        const body = JSON.parse(l) as { From_Account: string; AddFriendItem: AddFriendItem[] };
        return body.AddFriendItem.map((i) => JSON.stringify([body.From_Account, canonicalItem(i)]));
      });
    assert.deepEqual(got.sort(), notImported.sort());
    assert.equal(sum.retryItems, 600 - sum.imported);

    emulator.setFaults(undefined);
    const again = await ctx.cli(['import', sum.retryFile ?? '', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(jsonOut<JobSummaryJson>(again).imported, 600 - sum.imported);
    for (const u of list) assertFriends(emulator, u.from, u.items);
  });

  it('CSV: the input’s header (a tag column) and rows as written (GroupName with |)', async () => {
    const s = scenario('rc');
    prepare(s);
    const file = join(ctx.dir, 'friends.csv');
    await writeCsv(file, s.list, [TAG]);
    const r = await ctx.cli(['import', file]);
    assert.equal(r.code, 3, r.stderr);
    const retryFile = /^Re-run what failed: friend-import import (\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(retryFile, r.stdout);
    assert.match(retryFile, /friend-import-reports\/job-[^/]+\/retry\.csv$/);
    assert.match(r.stdout, new RegExp(`retry +${s.retryable.length} items a re-run could change: `));

    const source = (await readFile(file, 'utf8')).split('\n');
    const text = (await readFile(retryFile, 'utf8')).split('\n').filter(Boolean);
    assert.equal(text[0], source[0]);
    assert.match(text[0] ?? '', new RegExp(`,${TAG}$`));
    for (const row of text.slice(1)) assert.ok(source.includes(row), `${row} is not a row of the input`);
    const columns = parseCsvHeader(text[0] ?? '');
    const got = text.slice(1).map((row, i) => {
      const record = parseCsvRecord(columns, row, i + 2);
      const item = record.items[0]?.item;
      assert.ok(item, row);
      return JSON.stringify([record.fromAccount, canonicalItem(item)]);
    });
    assert.deepEqual(got.sort(), s.retryable);
    assert.ok(text.some((row) => row.includes('ga0|gb')));

    await rerun(s, retryFile, s.retryable.length);
  });
});
