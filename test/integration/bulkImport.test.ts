/** BulkImportWorkflow end to end: files → bulk job → pages → emulator. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBulkJob } from '../../client/bulkJobs.js';
import { importFriends } from '../../client/userImports.js';
import type { ReportRow } from '../../core/jobTypes.js';
import { assertFriends, friendItem, friendItems, submitted } from '../support/data.js';
import { writeCsv, writeJsonl, type UserInput } from '../support/files.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';

describe('BulkImportWorkflow', { timeout: 300_000 }, () => {
  let stack: Stack;
  let dir: string;
  before(async () => {
    stack = await startStack({ emulator: { recordCalls: true } });
    dir = await mkdtemp(join(tmpdir(), 'bulk-'));
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a JSONL file and reports every bad item with its line', async () => {
    const users: UserInput[] = Array.from({ length: 30 }, (_, i) => ({
      from: `j${i}`,
      items: friendItems(20, `j${i}-`),
    }));
    stack.emulator.seedAccounts(users.flatMap((u) => [u.from, ...u.items.map((x) => x.To_Account)]));
    users[3]!.items.push(friendItem('ghost'));
    users[5]!.items.push(friendItem('j5-x', { Remark: 'r'.repeat(97) }));
    const file = join(dir, 'in.jsonl');
    await writeJsonl(file, users, ['{not json']);
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      {
        path: file, // no format: the library takes it from the extension
        report: join(dir, 'report.jsonl'),
        concurrency: 8,
        pageLines: 7,
      },
    );
    const summary = await job.result();
    assert.equal(summary.state, 'completed');
    assert.deepEqual(
      [summary.lines, summary.users, summary.items, summary.imported, summary.failed],
      [31, 30, 603, 600, 3],
    );
    assert.deepEqual(summary.failedByCode, { 30003: 1, rejected: 2 });
    const rows = (await readFile(summary.reportJsonl, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ReportRow);
    assert.deepEqual(
      rows.map((r) => [r.line, r.fromAccount, r.toAccount, r.code, r.kind]),
      [
        [4, 'j3', 'ghost', 30003, 'permanent'],
        [6, 'j5', 'j5-x', 'rejected', 'rejected'],
        [31, '', '', 'rejected', 'rejected'],
      ],
    );
    const csv = await readFile(summary.reportCsv, 'utf8');
    assert.match(csv.split('\n')[0]!, /^line,fromAccount,toAccount,code,reason,kind$/);
    for (const u of users)
      assertFriends(
        stack.emulator,
        u.from,
        u.items.filter((x) => x.To_Account !== 'ghost' && x.To_Account !== 'j5-x'),
      );
  });

  it('imports the same data as CSV to the same state', async () => {
    const users: UserInput[] = Array.from({ length: 10 }, (_, i) => ({
      from: `c${i}`,
      items: friendItems(15, `c${i}-`),
    }));
    stack.emulator.seedAccounts(users.flatMap((u) => [u.from, ...u.items.map((x) => x.To_Account)]));
    const file = join(dir, 'in.csv');
    await writeCsv(file, users);
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      {
        path: file,
        format: 'csv',
        report: join(dir, 'report-csv.jsonl'),
        concurrency: 4,
        pageLines: 20,
      },
    );
    const summary = await job.result();
    assert.deepEqual([summary.items, summary.imported, summary.failed, summary.users], [150, 150, 0, 10]);
    for (const u of users) assertFriends(stack.emulator, u.from, u.items);
  });

  it("waits as long as a 429's Retry-After asks, in a job and in a user import, then imports", async () => {
    /** The two calls of `from`: the refused one and its retry, and the time between them. */
    const retried = (from: string) => {
      const calls = stack.emulator.calls().filter((c) => c.fromAccount === from);
      assert.deepEqual(
        calls.map((c) => c.httpStatus),
        [429, 200],
        `${from}: refused once, then imported`,
      );
      return (calls[1]?.arrivedAt ?? 0) - (calls[0]?.finishedAt ?? 0);
    };
    // Every first call after the plan is installed is refused with a 429 asking for 2 s.
    const refuseFirst = () =>
      stack.emulator.setFaults({ rules: [{ kind: 'http', status: 429, retryAfter: 2, nth: [1] }] });
    try {
      const job: UserInput = { from: 'ra-job', items: friendItems(5, 'ra-job-') };
      stack.emulator.seedAccounts([job.from, ...job.items.map((i) => i.To_Account)]);
      const file = join(dir, 'retry-after.jsonl');
      await writeJsonl(file, [job]);
      refuseFirst();
      const summary = await (
        await startBulkJob(
          { client: stack.client, taskQueue: stack.taskQueue },
          { path: file, report: join(dir, 'retry-after.jsonl.report.jsonl') },
        )
      ).result();
      assert.deepEqual([summary.imported, summary.failed], [5, 0]);
      // Without the header the pause would be the rate-limit default, 1–1.25 s.
      assert.ok(retried(job.from) >= 1_950, `the job retried after ${retried(job.from)} ms`);

      const user = friendItems(3, 'ra-user-');
      stack.emulator.seedAccounts(['ra-user', ...user.map((i) => i.To_Account)]);
      refuseFirst();
      const handle = await importFriends(stack.target, 'ra-user', submitted(user), {
        submissionId: 'ra-user',
      });
      const outcome = await handle.outcome();
      assert.deepEqual([outcome.imported, outcome.failed], [3, 0]);
      assert.ok(retried('ra-user') >= 1_950, `the user import retried after ${retried('ra-user')} ms`);
    } finally {
      stack.emulator.setFaults(undefined);
    }
  });

  it('fails a job whose workers cannot read its file, saying which file and why', async () => {
    const missing = join(dir, 'not-on-this-worker.jsonl');
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      { path: missing, format: 'jsonl', report: join(dir, 'report-missing.jsonl'), concurrency: 4 },
    );
    const err = await job.result().then(
      () => assert.fail('the job should fail'),
      (e: unknown) => e as Error,
    );
    const causes: string[] = [];
    for (let c: unknown = err; c instanceof Error; c = c.cause) causes.push(c.message);
    assert.match(causes.join(' <- '), /cannot read .*not-on-this-worker\.jsonl.*ENOENT/);
  });
});
