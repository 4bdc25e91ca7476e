/**
 * `friend-import verify` end to end (docs/verify.md): worker processes, a real dev server and the
 * emulator in its own process. A clean import verifies clean; changes made behind our back through
 * the emulator's routes are named pair by pair and field by field; `--repair` imports them again
 * and a second verify finds nothing; friend_check runs at its configured rate; an import that runs
 * during a verify is named in its summary; a worker killed mid-verify leaves one verdict per pair.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readOutcomes } from '../../formats/importReport.js';
import { startBulkJob } from '../../client/bulkJobs.js';
import type { VerifySummaryJson } from '../../cli/commands/support/verifyView.js';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { startVerifyJob, verifyJob, verifyReportPaths } from '../../client/verifyJobs.js';
import { JobStartError } from '../../client/jobs.js';
import type { VerifyLineOutcome, VerifyReportRow } from '../../core/verifyTypes.js';
import { ImClient } from '../../im/node/client.js';
import { LOCAL_IM_APP } from '../../config/im.js';
import { bulkJobWorkflowId } from '../../core/definitions.js';
import { friendItem, friendItems } from '../support/data.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';
import { killHard, startStack, type Stack } from '../../cli/stack/stack.js';
import { jsonOut, runCli, spawnCli, waitFor } from './cliHelpers.js';

/** friend_check calls per second for the whole app, as the workers are configured. */
const CHECK_RATE = 20;
const CHECK = 'v4/sns/friend_check';
const users = (prefix: string, n: number, items: number): UserInput[] =>
  Array.from({ length: n }, (_, i) => ({
    from: `${prefix}${i}`,
    items: friendItems(items, `${prefix}${i}-`),
  }));

describe('verify jobs', { timeout: 900_000 }, () => {
  let dir: string;
  let stack: Stack;
  let service: RemoteEmulator;
  let im: ImClient;
  const workers: ChildProcess[] = [];
  const target = () => ({ client: stack.client, taskQueue: stack.taskQueue });
  const cli = (args: string[]) => runCli(args, { env: stack.env, cwd: dir, timeoutMs: 300_000 });
  const spawnWorker = async () =>
    workers.push(
      await stack.spawnWorker({ IM_BASE_URL: service.baseUrl, IM_CHECK_RATE_LIMIT: String(CHECK_RATE) }),
    );
  const resetStats = async () => {
    await fetch(new URL('__emulator/stats/reset', service.baseUrl), { method: 'POST' });
  };

  // File V: 60 users × 8 friends, one friend that is no account (30003), one rejected row, one
  // pair listed again on a later line with another remark (the later one is what must be there).
  const v = users('v', 60, 8);
  const later = friendItem('v7-0', { Remark: 'said later', GroupName: ['g0'], AddTime: 1700000000 });
  const vFile = () => join(dir, 'v.jsonl');
  // File K: 200 users × 3 friends, k0 again at the end (a user checked in two runs).
  const k = users('k', 200, 3);
  const kFile = () => join(dir, 'k.jsonl');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-'));
    const accounts = new Set<string>();
    for (const u of [...v, ...k])
      for (const id of [u.from, ...u.items.map((i) => i.To_Account)]) accounts.add(id);
    accounts.add('k0-extra');
    await writeFile(join(dir, 'accounts.txt'), [...accounts].join('\n') + '\n');
    v[3]!.items.push(friendItem('v3-ghost'));
    v[5]!.items.push(friendItem('v5-x', { Remark: 'r'.repeat(97) }));
    await writeJsonl(vFile(), [...v, { from: 'v7', items: [later] }], ['{not json']);
    await writeJsonl(kFile(), [...k, { from: 'k0', items: [friendItem('k0-extra')] }]);
    service = await spawnEmulator({ accountsFile: join(dir, 'accounts.txt') });
    im = new ImClient({ ...LOCAL_IM_APP, baseUrl: service.baseUrl });
    stack = await startStack({ worker: false });
    for (let i = 0; i < 2; i++) await spawnWorker();
    const imports = await Promise.all(
      [
        ['v-import', vFile()],
        ['k-import', kFile()],
      ].map(async ([jobId, path]) =>
        (
          await startBulkJob(target(), {
            jobId: jobId!,
            path: path!,
            format: 'jsonl',
            report: join(dir, jobId!, 'report.jsonl'),
          })
        ).result(),
      ),
    );
    // v7 → v7-0 twice: the import keeps the later one (the earlier is superseded, not sent).
    assert.deepEqual(
      imports.map((s) => [s.state, s.imported]),
      [
        ['completed', 480],
        ['completed', 601],
      ],
    );
  });
  after(async () => {
    for (const w of workers) await killHard(w);
    await stack?.stop();
    await service?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('after a clean import every pair is as expected, never above the configured friend_check rate', async (t) => {
    await resetStats();
    const r = await cli([
      'verify',
      vFile(),
      '--job-id',
      'v-import',
      '--json',
      '--report',
      join(dir, 'v1', 'verify.jsonl'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const s = jsonOut<VerifySummaryJson>(r);
    // 480 + the ghost + the rejected pair; v7 → v7-0 twice counts once.
    assert.deepEqual(
      [s.status, s.pairs, s.present, s.absent, s.missing, s.different, s.unexpectedPresent, s.unchecked],
      ['completed', 482, 480, 2, 0, 0, 0, 0],
    );
    assert.equal(s.expectedAbsentFromJob, 1);
    assert.deepEqual([s.writers, s.movingTarget, s.repairJsonl, s.repairJobId], [[], false, null, null]);
    assert.equal(s.users, 60);
    assert.equal(await readFile(s.reportJsonl ?? '', 'utf8'), '');
    assert.equal(
      await readFile(s.reportCsv ?? '', 'utf8'),
      'line,fromAccount,toAccount,differs,expected,found,note\n',
    );
    const stats = await service.stats();
    const calls = stats.byRoute[CHECK]?.['0'] ?? 0;
    const max = stats.maxInAnyWindowByRoute[CHECK] ?? 0;
    t.diagnostic(`${calls} friend_check calls, max ${max} in one second (limit ${CHECK_RATE})`);
    assert.equal(calls, s.calls);
    assert.ok(calls >= 60 && calls <= 62, `one call per user: ${calls}`);
    assert.ok(max <= CHECK_RATE, `${max} friend_check calls arrived within one second`);
    assert.equal(stats.friendImport.calls, 0, 'a verify never writes');
  });

  it('names exactly the pairs and fields changed behind our back; --repair fixes them; a second verify finds nothing', async () => {
    // Behind our back, through the emulator's own routes: v1 loses every friend, v2 → v2-3 gets another remark.
    await im.callOk('friendDeleteAll', { From_Account: 'v1' });
    const changed = { ...v[2]!.items[3]!, Remark: 'changed' };
    const res = await im.friendImport({ From_Account: 'v2', AddFriendItem: [changed] });
    assert.equal(res.ErrorCode, 0);

    const report = join(dir, 'v2', 'verify.jsonl');
    const r = await cli([
      'verify',
      vFile(),
      '--fields',
      '--job-id',
      'v-import',
      '--json',
      '--report',
      report,
    ]);
    assert.equal(r.code, 3, r.stderr);
    const s = jsonOut<VerifySummaryJson>(r);
    assert.deepEqual(
      [s.status, s.pairs, s.missing, s.different, s.unexpectedPresent, s.byField],
      ['completed', 482, 8, 1, 0, { Remark: 1 }],
    );
    const rows = (await readFile(report, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as VerifyReportRow);
    assert.deepEqual(
      rows.map((x) => [x.fromAccount, x.toAccount, x.differs]),
      [...v[1]!.items.map((i) => ['v1', i.To_Account, ['missing']]), ['v2', 'v2-3', ['Remark']]],
    );
    assert.deepEqual(rows.at(-1)?.expected, { Remark: 'r-v2-3' });
    assert.deepEqual(rows.at(-1)?.found, { Remark: 'changed' });
    assert.deepEqual(rows[0]?.expected, {
      Remark: 'r-v1-0',
      GroupName: ['g0'],
      AddSource: 'AddSource_Type_Web',
    });
    const csv = (await readFile(join(dir, 'v2', 'verify.csv'), 'utf8')).split('\n');
    assert.equal(csv[0], 'line,fromAccount,toAccount,differs,expected,found,note');
    assert.match(
      csv.at(-2) ?? '',
      /^3,v2,v2-3,Remark,"{""Remark"":""r-v2-3""}","{""Remark"":""changed""}",$/,
    );
    // The status and report commands read a verify job too.
    const st = await cli(['status', s.jobId, '--json']);
    assert.equal(jsonOut<VerifySummaryJson>(st).different, 1);
    const rep = await cli(['report', s.jobId]);
    assert.equal(rep.code, 0, rep.stderr);
    assert.match(
      rep.stdout,
      /line 3: v2 → v2-3: Remark \(expected \{"Remark":"r-v2-3"\}, found \{"Remark":"changed"\}\)/,
    );

    const fix = await cli(['verify', vFile(), '--fields', '--job-id', 'v-import', '--repair', '--json']);
    assert.equal(fix.code, 3, fix.stderr);
    const f = jsonOut<VerifySummaryJson & { repair: JobSummaryJson }>(fix);
    assert.equal(f.repairJobId, `${f.jobId}-repair`);
    assert.equal(f.repairItems, 9);
    assert.deepEqual([f.repair.status, f.repair.imported, f.repair.failed], ['completed', 9, 0]);
    const bodies = (await readFile(f.repairJsonl ?? '', 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as { From_Account: string; AddFriendItem: { To_Account: string; Remark?: string }[] },
      );
    assert.deepEqual(
      bodies.map((b) => [b.From_Account, b.AddFriendItem.length]),
      [
        ['v1', 8],
        ['v2', 1],
      ],
    );
    assert.equal(bodies[1]?.AddFriendItem[0]?.Remark, 'r-v2-3');

    const again = await cli(['verify', vFile(), '--fields', '--job-id', 'v-import', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const a = jsonOut<VerifySummaryJson>(again);
    assert.deepEqual([a.pairs, a.present, a.absent, a.missing, a.different], [482, 480, 2, 0, 0]);
  });

  it('follows with progress; pause, resume, cancel, status and report work on a verify job', async () => {
    // 600 users no one imported: one friend_check each (30 s at the rate), every pair missing.
    const file = join(dir, 'p.jsonl');
    await writeJsonl(
      file,
      Array.from({ length: 600 }, (_, i) => ({ from: `p${i}`, items: [friendItem('k0-0')] })),
    );
    const follower = spawnCli(['verify', file, '--json', '--concurrency', '2'], { env: stack.env, cwd: dir });
    const jobId = await waitFor('the job ID', () => /Started verify job (\S+) /.exec(follower.stderr())?.[1]);
    const handle = verifyJob(target(), jobId);
    await waitFor('calls', async () => ((await handle.progress().catch(() => undefined))?.calls ?? 0) >= 5);
    const paused = await cli(['pause', jobId]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(
      paused.stdout,
      /: paused; resume with: friend-import resume \S+ \(\d+ pairs? checked, \d+ as expected, \d+ differs?, \d+ calls? in flight\)\.$/m,
    );
    const checks = async () => (await service.stats()).byRoute[CHECK]?.['30003'] ?? 0;
    await new Promise((r) => setTimeout(r, 1_500));
    const before = await checks();
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(await checks(), before, 'no calls while paused');
    assert.equal((await cli(['resume', jobId])).code, 0);
    await waitFor('calls again', async () => (await checks()) > before);
    const cancelled = await cli(['cancel', jobId]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const done = await follower.exited;
    assert.equal(done.code, 4, done.stderr);
    const s = jsonOut<VerifySummaryJson>(done);
    assert.equal(s.status, 'cancelled');
    assert.ok(
      s.pairs > 0 && s.pairs < 600 && s.missing === s.pairs,
      `${s.pairs} pairs checked before the cancel`,
    );
    assert.match(
      done.stderr,
      new RegExp(`verify ${jobId}: \\d+% · \\d+ users? · \\d+ pairs? · `),
      'progress lines',
    );
    const st = await cli(['status', jobId]);
    assert.match(st.stdout, new RegExp(`^Verify ${jobId} cancelled in `));
    const rep = await cli(['report', jobId, '--json']);
    const rows = jsonOut<{ final: boolean; rows: VerifyReportRow[] }>(rep);
    assert.equal(rows.final, true);
    assert.equal(rows.rows.length, s.pairs);
    assert.match(rows.rows[0]?.note ?? '', /30003/);
    // An import cannot take a verify job's ID: refused as bad usage, nothing started.
    const clash = await cli(['import', file, '--job-id', jobId]);
    assert.equal(clash.code, 2, clash.stderr);
    assert.equal(
      clash.stderr.trim(),
      `friend-import: job "${jobId}" exists and is not an import job (it is a VerifyJobWorkflow); choose another --job-id`,
    );
    // A verify naming an import job that does not exist: bad usage, nothing started.
    const noImport = await cli(['verify', file, '--job-id', 'no-such-import']);
    assert.equal(noImport.code, 2, noImport.stderr);
    assert.equal(noImport.stderr.trim(), 'friend-import: there is no import job "no-such-import"');
    // Nor a verify an import job's (its own ID is the library's `jobId`; the CLI's --job-id names the import).
    await assert.rejects(
      startVerifyJob(target(), { jobId: 'v-import', path: file, format: 'jsonl' }),
      (e: unknown) =>
        e instanceof JobStartError &&
        e.message ===
          'job "v-import" exists and is not a verify job (it is a BulkImportWorkflow); choose another --job-id',
    );
  });

  it('says which import held its users while it read them', async () => {
    const verify = await startVerifyJob(target(), {
      path: kFile(),
      format: 'jsonl',
      report: join(dir, 'k-during', 'verify.jsonl'),
      concurrency: 4,
    });
    await waitFor('the verify to be under way', async () =>
      (await verify.progress()).calls >= 10 ? true : undefined,
    );
    // The same file imported again while the verify reads it (it writes the same values).
    const again = await startBulkJob(target(), {
      jobId: 'k-again',
      path: kFile(),
      format: 'jsonl',
      report: join(dir, 'k-again', 'report.jsonl'),
    });
    await again.result();
    const s = await verify.result();
    assert.equal(s.state, 'completed');
    assert.equal(s.pairs, 601);
    const writer = s.writers.find((w) => w.jobId === 'k-again');
    assert.ok(writer, `the import is named: ${JSON.stringify(s.writers)}`);
    assert.equal(writer.kind, 'job');
    assert.ok(writer.users > 0 && writer.sample.every((u) => u.startsWith('k')));
  });

  it('a worker SIGKILLed mid-verify: the page resumes elsewhere and each differing pair has one row', async (t) => {
    for (const from of ['k5', 'k150']) await im.callOk('friendDeleteAll', { From_Account: from });
    await resetStats();
    const report = join(dir, 'k-kill', 'verify.jsonl');
    const job = await startVerifyJob(target(), {
      jobId: 'verify-kill',
      path: kFile(),
      format: 'jsonl',
      report,
      concurrency: 4,
      pageLines: 60,
    });
    await waitFor(
      'a third of the calls',
      async () => ((await service.stats()).byRoute[CHECK]?.['0'] ?? 0) >= 70,
      120_000,
    );
    const description = await stack.client.workflow.getHandle(bulkJobWorkflowId('verify-kill')).describe();
    const identity = description.raw.pendingActivities?.[0]?.lastWorkerIdentity ?? '';
    const victim = workers.find((w) => w.pid === Number(identity.split('@')[0]));
    assert.ok(victim, `the page runs on one of our workers (${identity})`);
    await killHard(victim);
    t.diagnostic(`killed worker ${identity} mid-verify`);
    await spawnWorker();

    const s = await job.result();
    assert.deepEqual(
      [s.state, s.pairs, s.present, s.missing, s.different, s.users],
      ['completed', 601, 595, 6, 0, 200],
    );
    const rows = (await readFile(report, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as VerifyReportRow);
    assert.deepEqual(
      rows.map((r) => `${r.fromAccount}→${r.toAccount}:${r.differs.join()}`),
      ['k5', 'k150'].flatMap((from) => [0, 1, 2].map((i) => `${from}→${from}-${i}:missing`)),
    );
    // Every pair exactly once in the outcome files, whatever the retry redid.
    const seen = new Map<string, number>();
    for await (const o of readOutcomes<VerifyLineOutcome>(verifyReportPaths('verify-kill', report).reportDir))
      for (const to of [...o.present, ...o.absent, ...o.diffs.map((d) => d.toAccount)])
        seen.set(`${o.fromAccount}→${to}`, (seen.get(`${o.fromAccount}→${to}`) ?? 0) + 1);
    assert.equal(seen.size, 601);
    assert.deepEqual([...new Set(seen.values())], [1]);
    const max = (await service.stats()).maxInAnyWindowByRoute[CHECK] ?? 0;
    assert.ok(max <= CHECK_RATE, `${max} friend_check calls within one second across the takeover`);
  });
});
