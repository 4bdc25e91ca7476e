/**
 * JSONL and CSV are two spellings of one input: 1,000 users imported through `friend-import import`
 * from each format — into two separate IM apps (two emulators, two workers) on one dev server —
 * end in the same emulator state and the same failure report.
 */
import { NativeConnection } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { LOCAL_IM_APP } from '../../config/im.js';
import type { AddFriendItem } from '../../im/schemas.js';
import { createImportWorkers, type ImportWorkers } from '../../workers/worker.js';
import { friendItem } from '../support/data.js';
import { writeCsv, writeJsonl, type UserInput } from '../support/files.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';
import { comparable, jsonOut, readRows, runCli } from './cliHelpers.js';

const CITY = 'Tag_SNS_Custom_City';
const SENSITIVE = 'forbidden';

/** 1,000 users, 1–8 friends, every optional field, and failures of each kind at fixed users. */
function dataset(): { users: UserInput[]; accounts: string[]; failing: Set<string> } {
  const users: UserInput[] = [];
  const accounts: string[] = [];
  const failing = new Set<string>();
  for (let u = 0; u < 1_000; u++) {
    const from = `f${u}`;
    accounts.push(from);
    const items: AddFriendItem[] = Array.from({ length: 1 + (u % 8) }, (_, k) => {
      const to = `f${u}-${k}`;
      accounts.push(to);
      return friendItem(to, {
        ...(k % 2 === 0 && { Remark: `r ${u}/${k}, "quoted"` }),
        ...(k % 3 === 0 && { GroupName: [`g${k % 4}`, 'all'] }),
        ...(k % 4 === 1 && {
          AddWording: 'hello\u4f60\u597d',
          AddTime: 1_700_000_000 + u,
          RemarkTime: 1_600_000_000,
        }),
        ...(k % 5 === 2 && { CustomItem: [{ Tag: CITY, Value: `city-${u % 7}` }] }),
      });
    });
    const fail = (item: AddFriendItem): void => {
      items.push(item);
      failing.add(`${from}→${item.To_Account}`);
    };
    if (u % 50 === 7) fail(friendItem(`ghost-${u}`)); // 30003
    if (u % 70 === 3) fail(friendItem(`f${u}-long`, { Remark: 'x'.repeat(97) })); // rejected by the reader
    if (u % 110 === 5) fail(friendItem(`f${u}-bad`, { Remark: `a ${SENSITIVE} word` })); // 30005
    if (u % 90 === 11) {
      // The same friend again later for this user: the last one wins, the earlier is superseded.
      const first = items[0] as AddFriendItem;
      items.push({ ...first, Remark: 'second thoughts' });
    }
    users.push({ from, items });
  }
  for (const u of users)
    for (const i of u.items) if (i.To_Account.endsWith('-bad')) accounts.push(i.To_Account);
  return { users, accounts, failing };
}

/** What each user must end with: the last item per friend, without those that fail. */
function expectedFriends(u: UserInput, failing: Set<string>): Map<string, AddFriendItem> {
  const out = new Map<string, AddFriendItem>();
  for (const i of u.items) if (!failing.has(`${u.from}→${i.To_Account}`)) out.set(i.To_Account, i);
  return out;
}

describe('JSONL and CSV give the same import', { timeout: 600_000 }, () => {
  let stack: Stack;
  let csvEmulator: Emulator;
  let csvWorkers: ImportWorkers;
  let csvRunning: Promise<void>;
  let native: NativeConnection;
  let dir: string;
  const data = dataset();

  before(async () => {
    stack = await startStack({ emulator: { sensitiveWords: [SENSITIVE] }, rateLimit: 500 });
    // A second IM app (its own emulator and worker, its own task queue) takes the CSV job.
    const sdkAppId = LOCAL_IM_APP.sdkAppId + 1;
    csvEmulator = await startEmulator({
      sdkAppId,
      adminIdentifiers: [LOCAL_IM_APP.adminIdentifier],
      secretKey: LOCAL_IM_APP.secretKey,
      rateLimit: 0,
      sensitiveWords: [SENSITIVE],
    });
    native = await NativeConnection.connect({ address: stack.devServer.address });
    csvWorkers = await createImportWorkers({
      connection: native,
      namespace: stack.devServer.namespace,
      taskQueue: 'friend-import-csv',
      im: { ...stack.im, sdkAppId, baseUrl: csvEmulator.baseUrl },
      client: stack.client,
      fileRoots: [tmpdir()],
    });
    csvRunning = csvWorkers.run();
    for (const emulator of [stack.emulator, csvEmulator]) emulator.seedAccounts(data.accounts);
    dir = await mkdtemp(join(tmpdir(), 'cli-formats-'));
  });
  after(async () => {
    csvWorkers?.shutdown();
    await csvRunning;
    await native?.close();
    await csvEmulator?.close();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('1,000 users from JSONL and from CSV: identical emulator state and reports', async () => {
    const jsonl = join(dir, 'users.jsonl');
    const csv = join(dir, 'users.csv');
    await writeJsonl(jsonl, data.users);
    await writeCsv(csv, data.users, [CITY]);
    const csvEnv = {
      ...stack.env,
      TEMPORAL_TASK_QUEUE: 'friend-import-csv',
      IM_SDKAPPID: String(LOCAL_IM_APP.sdkAppId + 1),
      IM_BASE_URL: csvEmulator.baseUrl,
    };
    const [a, b] = await Promise.all([
      runCli(['import', jsonl, '--json', '--job-id', 'formats-jsonl'], { env: stack.env, cwd: dir }),
      runCli(['import', csv, '--json', '--job-id', 'formats-csv'], { env: csvEnv, cwd: dir }),
    ]);
    assert.equal(a.code, 3, a.stderr);
    assert.equal(b.code, 3, b.stderr);
    const sa = jsonOut<JobSummaryJson>(a);
    const sb = jsonOut<JobSummaryJson>(b);
    const counts = (s: JobSummaryJson) => [
      s.status,
      s.users,
      s.imported,
      s.failed,
      s.failedByCode,
      s.superseded,
    ];
    assert.deepEqual(counts(sa), counts(sb));
    const items = data.users.reduce((n, u) => n + u.items.length, 0);
    assert.deepEqual([sa.users, sb.items, sa.items], [1_000, items, items]);
    assert.deepEqual(sa.failedByCode, { 30003: 20, 30005: 10, rejected: 15 });
    assert.equal(sa.superseded, 11, 'the earlier copy of each repeated friend: superseded, not failed');

    for (const u of data.users) {
      const expected = expectedFriends(u, data.failing);
      const fromJsonl = stack.emulator
        .friendsOf(u.from)
        .sort((x, y) => x.To_Account.localeCompare(y.To_Account));
      const fromCsv = csvEmulator.friendsOf(u.from).sort((x, y) => x.To_Account.localeCompare(y.To_Account));
      assert.deepEqual(fromCsv, fromJsonl, u.from);
      assert.deepEqual(
        fromJsonl.map((f) => [f.To_Account, f.Remark, f.GroupName, f.CustomItem?.[0]?.Value]),
        [...expected.values()]
          .sort((x, y) => x.To_Account.localeCompare(y.To_Account))
          .map((i) => [i.To_Account, i.Remark, i.GroupName, i.CustomItem?.[0]?.Value]),
        u.from,
      );
    }

    const rowsA = readRows(await readFile(sa.reportJsonl ?? '', 'utf8'));
    const rowsB = readRows(await readFile(sb.reportJsonl ?? '', 'utf8'));
    // A row per failed item and per superseded one.
    assert.equal(rowsA.length, sa.failed + sa.superseded);
    assert.deepEqual(rowsB.map(comparable).sort(), rowsA.map(comparable).sort());
  });
});
