/**
 * Accounts first (docs/cli.md, "Accounts first"), end to end over HTTP: a bulk job with
 * `createAccounts` checks the accounts its file names and creates the missing ones before their
 * friends are sent, at each account API's rate and 100 accounts a call at most; the items naming
 * an account that cannot be created fail with the reason, and nothing else does. The same file
 * without the option fails with the vendor's 30003.
 *
 * The emulator runs in its own process (its rate window is not disturbed by the worker). One
 * From_Account and one To_Account are made uncreatable by a loopback proxy in front of it
 * (test/support/accountProxy.ts): the emulator creates every valid UserID.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBulkJob } from '../../client/bulkJobs.js';
import type { ReportRow } from '../../core/jobTypes.js';
import type { AddFriendItem } from '../../im/schemas.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';
import { startAccountProxy, type AccountProxy } from '../support/accountProxy.js';
import { friendItem, friendItems } from '../support/data.js';
import { diffFriends, openEmulatorState } from '../support/emulatorState.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';

const ACCOUNT_CHECK = 'v4/im_open_login_svc/account_check';
const MULTI_IMPORT = 'v4/im_open_login_svc/multiaccount_import';
const FRIEND_IMPORT = 'v4/sns/friend_import';
/** The account APIs' rate for this test: low, so that a page's batches must be paced. */
const ACCOUNT_RATE = 2;
const PAGE_LINES = 20;

// 31 lines: u0 … u29 with 10 friends each, and `ubad` (line 6) with 5.
const users: UserInput[] = Array.from({ length: 30 }, (_, i) => ({
  from: `u${i}`,
  items: friendItems(10, `u${i}-`),
}));
users.splice(5, 0, { from: 'ubad', items: friendItems(5, 'ubad-') });
const userNamed = (from: string): UserInput => users.find((u) => u.from === from) as UserInput;
for (const from of ['u1', 'u9', 'u25'])
  userNamed(from).items.push(friendItem('fbad', { Remark: `r-${from}` }));
/** Accounts the service cannot create. */
const UNCREATABLE = new Set(['ubad', 'fbad']);
/** About 5% of the accounts are not in the service before the job: 4 From_Accounts, 12 To_Accounts. */
const MISSING = new Set([
  ...['u3', 'u11', 'u17', 'u26'],
  ...[0, 2, 5, 7, 10, 13, 16, 19, 21, 24, 27, 29].map((i) => `u${i}-${i % 10}`),
]);
const accountsOfUser = (u: UserInput): string[] => [u.from, ...u.items.map((i) => i.To_Account)];
const allAccounts = new Set(users.flatMap(accountsOfUser));
const names = (item: AddFriendItem, u: UserInput, set: ReadonlySet<string>): boolean =>
  set.has(u.from) || set.has(item.To_Account);
const pairsNaming = (set: ReadonlySet<string>): string[] =>
  users.flatMap((u) => u.items.filter((i) => names(i, u, set)).map((i) => `${u.from}>${i.To_Account}`));
const itemCount = users.reduce((n, u) => n + u.items.length, 0);

describe('accounts first', { timeout: 180_000 }, () => {
  let stack: Stack;
  let service: RemoteEmulator;
  let proxy: AccountProxy;
  let dir: string;
  let file: string;
  const resetStats = async (): Promise<void> => {
    await fetch(new URL('__emulator/stats/reset', service.baseUrl), { method: 'POST' });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'accounts-first-'));
    const existing = [...allAccounts].filter((a) => !MISSING.has(a) && !UNCREATABLE.has(a));
    await writeFile(join(dir, 'accounts.txt'), existing.join('\n') + '\n');
    service = await spawnEmulator({
      accountsFile: join(dir, 'accounts.txt'),
      db: join(dir, 'service.sqlite'),
    });
    proxy = await startAccountProxy(service.baseUrl, UNCREATABLE);
    stack = await startStack({ worker: false });
    await stack.startWorker({
      baseUrl: proxy.baseUrl,
      accountCheckRateLimit: ACCOUNT_RATE,
      accountImportRateLimit: ACCOUNT_RATE,
    });
    file = join(dir, 'friends.jsonl');
    await writeJsonl(file, users);
  });
  after(async () => {
    await stack?.stop();
    await proxy?.close();
    await service?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runJob = async (jobId: string, createAccounts: boolean) => {
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      {
        jobId,
        path: file,
        report: join(dir, jobId, 'report.jsonl'),
        concurrency: 8,
        pageLines: PAGE_LINES,
        ...(createAccounts && { createAccounts }),
      },
    );
    const summary = await job.result();
    const rows = (await readFile(summary.reportJsonl, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ReportRow);
    return { summary, rows };
  };

  it('without createAccounts, every item naming a missing account fails with 30003', async () => {
    await resetStats();
    const { summary, rows } = await runJob('no-accounts', false);
    const failing = pairsNaming(new Set([...MISSING, ...UNCREATABLE]));
    assert.equal(summary.state, 'completed');
    assert.deepEqual([summary.items, summary.failed], [itemCount, failing.length]);
    assert.deepEqual(summary.failedByCode, { 30003: failing.length });
    assert.equal(summary.accounts, undefined);
    assert.deepEqual(rows.map((r) => `${r.fromAccount}>${r.toAccount}`).sort(), [...failing].sort());
    assert.equal(proxy.calls.length, 0, 'no account call without the option');
  });

  it('with createAccounts, the missing accounts are created first, paced, 100 a call at most; only the uncreatable ones fail', async (t) => {
    await resetStats();
    const { summary, rows } = await runJob('with-accounts', true);
    const failing = pairsNaming(UNCREATABLE);
    assert.equal(summary.state, 'completed');
    assert.deepEqual(
      [summary.items, summary.imported, summary.failed],
      [itemCount, itemCount - failing.length, failing.length],
    );
    assert.deepEqual(summary.failedByCode, { 30003: failing.length });
    assert.deepEqual(rows.map((r) => `${r.fromAccount}>${r.toAccount}`).sort(), [...failing].sort());
    for (const r of rows) {
      assert.equal(r.kind, 'permanent');
      const bad = UNCREATABLE.has(r.fromAccount) ? r.fromAccount : r.toAccount;
      assert.match(
        r.reason,
        new RegExp(`^account ${bad} could not be created: multiaccount_import listed it`),
      );
    }

    // Each page checks the distinct accounts of its own lines (the first 20 lines, then the rest).
    const pages = [users.slice(0, PAGE_LINES), users.slice(PAGE_LINES)];
    const perPage = pages.map((p) => new Set(p.flatMap(accountsOfUser)));
    const uncreatableSeen = perPage.reduce((n, s) => n + [...UNCREATABLE].filter((a) => s.has(a)).length, 0);
    assert.deepEqual(
      summary.accounts && { ...summary.accounts, calls: summary.accounts.calls.account_check },
      {
        checked: perPage.reduce((n, s) => n + s.size, 0),
        created: MISSING.size,
        failed: uncreatableSeen,
        calls: perPage.reduce((n, s) => n + Math.ceil(s.size / 100), 0),
      },
    );
    // Every account call named 100 accounts at most, and the service refused none for it.
    assert.ok(proxy.calls.length > 0);
    assert.ok(Math.max(...proxy.calls.map((c) => c.accounts)) <= 100, JSON.stringify(proxy.calls));
    assert.equal(
      summary.accounts?.calls.multiaccount_import,
      proxy.calls.filter((c) => c.api === 'multiaccount_import').length,
    );
    const stats = await service.stats();
    t.diagnostic(
      `accounts ${JSON.stringify(summary.accounts)}; calls ${JSON.stringify(proxy.calls)}; ` +
        `max in one second ${JSON.stringify(stats.maxInAnyWindowByRoute)}`,
    );
    for (const route of [ACCOUNT_CHECK, MULTI_IMPORT]) {
      assert.deepEqual(
        Object.keys(stats.byRoute[route] ?? {}),
        ['0'],
        `${route}: ${JSON.stringify(stats.byRoute[route])}`,
      );
      assert.ok(
        (stats.maxInAnyWindowByRoute[route] ?? 0) <= ACCOUNT_RATE,
        `${route}: ${stats.maxInAnyWindowByRoute[route]} calls in one second`,
      );
    }
    // No friend_import met a missing account: every 30003 is the job's own, for the uncreatable ones.
    assert.equal(
      stats.friendImport.itemCodes['30003'],
      undefined,
      JSON.stringify(stats.friendImport.itemCodes),
    );
    assert.equal(stats.byRoute[FRIEND_IMPORT]?.['30003'], undefined);
    // The page's file names the accounts that could not be created.
    const listed = await readFile(
      join(dir, 'with-accounts', 'report.parts', 'accounts', 'p000001.jsonl'),
      'utf8',
    );
    assert.deepEqual(
      listed
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { account: string }).account)
        .sort(),
      ['fbad', 'ubad'],
    );

    // The service holds exactly what the file says, less the items naming the uncreatable accounts.
    await stack.stopWorkers();
    await service.stop();
    const state = await openEmulatorState(join(dir, 'service.sqlite'));
    try {
      const diff = { missing: 0, unexpected: 0, examples: [] as string[] };
      for (const u of users)
        diffFriends(
          u.from,
          state.friendsOf(u.from),
          u.items.filter((i) => !names(i, u, UNCREATABLE)),
          diff,
        );
      assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] });
    } finally {
      await state.close();
    }
  });
});
