/**
 * Sources and reports in object storage (docs/cli.md, object storage), end to end: a real
 * S3-compatible store (SeaweedFS on loopback, cli/stack/objectStore.ts), a dev server, the
 * emulator over HTTP and a worker process that reaches the store through the AWS_* variables and
 * may use the bucket through WORKER_OBJECT_ROOTS. A job reads `s3://` by ranged GETs, writes its
 * outcome objects and report to the bucket, and stops when the object is replaced under it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { startBulkJob } from '../../client/bulkJobs.js';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { objectStoreClient, startObjectStore, type ObjectStore } from '../../cli/stack/objectStore.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';
import type { ReportRow } from '../../core/jobTypes.js';
import { assertFriends, friendItem } from '../support/data.js';
import type { UserInput } from '../support/files.js';
import { bucket, jsonl, outcomeItems } from './bucketHelpers.js';
import { jsonOut, runCli, spawnCli, waitFor } from './cliHelpers.js';
import { scratchDir, users } from './cliStack.js';

const BUCKET = 'friends';

describe('object storage: s3:// sources and reports', { timeout: 600_000 }, () => {
  let store: ObjectStore;
  let stack: Stack;
  let s3: S3Client;
  before(async () => {
    store = await startObjectStore({ bucket: BUCKET });
    s3 = objectStoreClient(store);
    stack = await startStack({ worker: false, emulator: { recordCalls: true } });
    await stack.spawnWorker({ ...store.env, WORKER_OBJECT_ROOTS: `s3://${BUCKET}` });
  });
  after(async () => {
    s3?.destroy();
    await stack?.stop();
    await store?.stop();
  });
  const dir = scratchDir('object-storage-');
  const env = (): Record<string, string> => ({ ...stack.env, ...store.env });
  const cli = (args: string[]) => runCli(args, { env: env(), cwd: dir() });

  const objects = () => bucket(s3, BUCKET);
  const put = (key: string, body: string) => objects().put(key, body);
  const text = (key: string) => objects().text(key);
  const keysUnder = (prefix: string) => objects().keysUnder(prefix);
  const seed = (list: readonly UserInput[]): void =>
    stack.emulator.seedAccounts(list.flatMap((u) => [u.from, ...u.items.map((i) => i.To_Account)]));

  it('imports s3://BUCKET/KEY with the library, its outcomes and report in the same bucket by default', async () => {
    const list = users('s', 30, 20);
    seed(list);
    list[3]!.items.push(friendItem('ghost'));
    await put('exports/friends.jsonl', jsonl(list, ['{not json']));
    const job = await startBulkJob(stack.target, {
      path: `s3://${BUCKET}/exports/friends.jsonl`,
      concurrency: 8,
      pageLines: 7,
    });
    const summary = await job.result();
    assert.equal(summary.state, 'completed');
    assert.deepEqual(
      [summary.lines, summary.users, summary.items, summary.imported, summary.failed],
      [31, 30, 602, 600, 2],
    );
    // The job's history names the object and never the store's keys (payloads decoded as text).
    const history = JSON.stringify(
      await stack.client.workflow.getHandle(job.workflowId).fetchHistory(),
      (key, v: unknown) =>
        key === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v,
    );
    assert.ok(history.includes(`s3://${BUCKET}/exports/friends.jsonl`), 'payloads are read as text');
    assert.ok(!history.includes(store.secretAccessKey) && !history.includes(store.accessKeyId));
    const prefix = `friend-import-reports/${job.jobId}`;
    assert.equal(summary.reportJsonl, `s3://${BUCKET}/${prefix}/report.jsonl`);
    assert.equal(summary.reportCsv, `s3://${BUCKET}/${prefix}/report.csv`);
    for (const u of list)
      assertFriends(
        stack.emulator,
        u.from,
        u.items.filter((i) => i.To_Account !== 'ghost'),
      );

    const rows = (await text(`${prefix}/report.jsonl`))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ReportRow);
    assert.deepEqual(
      rows.map((r) => [r.line, r.fromAccount, r.toAccount, r.code, r.kind]),
      [
        [4, 's3', 'ghost', 30003, 'permanent'],
        [31, '', '', 'rejected', 'rejected'],
      ],
    );
    const csv = (await text(`${prefix}/report.csv`)).split('\n');
    assert.equal(csv[0], 'line,fromAccount,toAccount,code,reason,kind');
    assert.equal(csv.filter(Boolean).length, 3);

    // One outcome object per checkpoint, 5 pages of 7 lines at most: every line once, every item once.
    const parts = await keysUnder(`${prefix}/report.parts/outcomes/`);
    assert.ok(parts.length >= 5, parts.join(' '));
    assert.ok(
      parts.every((k) => /\/p\d{6}-\d{6}\.jsonl$/.test(k)),
      parts.join(' '),
    );
    const outcomes = await objects().outcomesUnder(prefix);
    assert.deepEqual(
      outcomes.map((o) => o.line).sort((a, b) => a - b),
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
    const items = outcomeItems(outcomes);
    assert.equal(items.length, 602);
    assert.equal(new Set(items).size, 602, 'one outcome per item');
  });

  it('runs from the CLI: import and --dry-run of s3://, --report s3://PREFIX, status and report read it', async () => {
    const list = users('c', 12, 4);
    seed(list);
    list[2]!.items.push(friendItem('ghost'));
    await put('in/c.jsonl', jsonl(list));

    const dry = await cli(['import', `s3://${BUCKET}/in/c.jsonl`, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const d = jsonOut<{ lines: number; valid: number; file: string }>(dry);
    assert.deepEqual([d.file, d.lines, d.valid], [`s3://${BUCKET}/in/c.jsonl`, 12, 49]);

    const run = await cli([
      'import',
      `s3://${BUCKET}/in/c.jsonl`,
      '--report',
      `s3://${BUCKET}/out/run1/`,
      '--json',
    ]);
    assert.equal(run.code, 3, run.stderr.slice(-2000));
    const s = jsonOut<JobSummaryJson>(run);
    assert.deepEqual([s.status, s.items, s.imported, s.failed], ['completed', 49, 48, 1]);
    assert.equal(s.reportJsonl, `s3://${BUCKET}/out/run1/report.jsonl`);
    assert.ok(!run.stderr.includes(store.secretAccessKey), 'the secret key is never printed');
    for (const u of list)
      assertFriends(
        stack.emulator,
        u.from,
        u.items.filter((i) => i.To_Account !== 'ghost'),
      );
    assert.deepEqual(
      (await keysUnder('out/run1/')).filter((k) => !k.includes('/outcomes/')),
      ['out/run1/report.csv', 'out/run1/report.jsonl', 'out/run1/retry.jsonl'],
    );
    // The one failure names an account that does not exist: a re-run could change it.
    assert.deepEqual([s.retryFile, s.retryItems], [`s3://${BUCKET}/out/run1/retry.jsonl`, 1]);
    assert.ok((await keysUnder('out/run1/report.parts/outcomes/')).length >= 1, 'the outcome objects');

    const report = await cli(['report', s.jobId, '--json']);
    assert.equal(report.code, 0, report.stderr);
    const r = jsonOut<{ readable: boolean; rows: ReportRow[] }>(report);
    assert.equal(r.readable, true);
    assert.deepEqual(
      r.rows.map((row) => [row.line, row.fromAccount, row.toAccount, row.code]),
      [[3, 'c2', 'ghost', 30003]],
    );
    const user = await cli(['report', s.jobId, '--user', 'c2', '--json']);
    assert.equal(user.code, 0, user.stderr);
    assert.deepEqual(
      (({ imported, failed }) => [imported, failed])(jsonOut<{ imported: number; failed: number }>(user)),
      [4, 1],
    );
    // A verify of the same object, with the import job's permanent failures read from its outcome
    // objects: the ghost is absent as expected; its diff report lands in the source's bucket.
    const verify = await cli(['verify', `s3://${BUCKET}/in/c.jsonl`, '--job-id', s.jobId, '--json']);
    assert.equal(verify.code, 0, verify.stderr.slice(-2000));
    const v = jsonOut<{ jobId: string; pairs: number; present: number; absent: number; reportJsonl: string }>(
      verify,
    );
    assert.deepEqual([v.pairs, v.present, v.absent], [49, 48, 1]);
    assert.equal(v.reportJsonl, `s3://${BUCKET}/friend-import-reports/${v.jobId}/verify.jsonl`);
    assert.equal(await text(`friend-import-reports/${v.jobId}/verify.jsonl`), '');
    const vReport = await cli(['report', v.jobId, '--json']);
    assert.equal(vReport.code, 0, vReport.stderr);
    assert.deepEqual(
      (({ kind, readable, rows }) => [kind, readable, rows])(
        jsonOut<{ kind: string; readable: boolean; rows: unknown[] }>(vReport),
      ),
      ['verify', true, []],
    );

    const status = await cli(['status', s.jobId, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`s3://${BUCKET}/out/run1/report\\.jsonl`));
  });

  it('refuses a missing object or bucket before any job starts, naming the location', async () => {
    const missing = await cli(['import', `s3://${BUCKET}/in/none.jsonl`]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, new RegExp(`s3://${BUCKET}/in/none\\.jsonl: no such object`));
    const traversal = await cli(['import', `s3://${BUCKET}/in/../c.jsonl`]);
    assert.equal(traversal.code, 2, traversal.stderr);
    assert.match(traversal.stderr, /has an empty, "\." or "\.\." part in its key/);
  });

  it('refuses a report outside WORKER_OBJECT_ROOTS before any call, naming the variable', async () => {
    const list = users('o', 2, 2);
    seed(list);
    await put('in/o.jsonl', jsonl(list));
    const run = await cli(['import', `s3://${BUCKET}/in/o.jsonl`, '--report', 's3://elsewhere/r/', '--json']);
    assert.equal(run.code, 1, run.stderr.slice(-2000));
    const summary = jsonOut<JobSummaryJson>(run);
    assert.equal(summary.status, 'failed');
    assert.match(
      summary.error ?? '',
      new RegExp(
        `the report folder s3://elsewhere/r/report\\.parts is outside the object storage this worker may use \\(WORKER_OBJECT_ROOTS: s3://${BUCKET}\\)`,
      ),
    );
    assert.equal(stack.emulator.calls().filter((c) => c.fromAccount.startsWith('o')).length, 0);
  });

  it('stops the job with a clear message when the object is replaced while it runs', async (t) => {
    const list = users('r', 6, 10);
    seed(list);
    await put('in/replaced.jsonl', jsonl(list));
    // The first user's answer is held, so the job is surely running when the object is replaced.
    stack.emulator.setFaults({ rules: [{ kind: 'slow', delayMs: 3_000, fromAccounts: ['r0'] }] });
    t.after(() => stack.emulator.setFaults(undefined));
    const run = spawnCli(['import', `s3://${BUCKET}/in/replaced.jsonl`, '--json', '--page-lines', '2'], {
      env: env(),
      cwd: dir(),
    });
    await waitFor('a first call', () => stack.emulator.calls().some((c) => c.fromAccount.startsWith('r')));
    await put('in/replaced.jsonl', jsonl(list.slice(1)));
    const end = await run.exited;
    assert.equal(end.code, 1, end.stderr.slice(-2000));
    const summary = jsonOut<JobSummaryJson>(end);
    assert.equal(summary.status, 'failed');
    assert.match(
      summary.error ?? '',
      new RegExp(
        `the source s3://${BUCKET}/in/replaced\\.jsonl changed since the job started: it (shrank|was replaced)`,
      ),
    );
    assert.ok(summary.lines < list.length, `stopped before the end (${summary.lines} lines)`);
  });
});
