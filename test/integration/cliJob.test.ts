/**
 * A bulk job through `friend-import import` as operators run it — a child process against a real
 * dev server, the emulator over HTTP and a worker: exit 0 or 3 with one --json summary, and
 * `status`, `report` and a re-attach that say the same; --detach and Ctrl-C leave the job running
 * and --job-id re-attaches; --dry-run reports every bad row and writes nothing.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { assertFriends, friendItem } from '../support/data.js';
import { writeCsv, writeJsonl } from '../support/files.js';
import { jsonOut, readRows, waitFor } from './cliHelpers.js';
import { cliStack, users } from './cliStack.js';

describe('friend-import CLI: import jobs', { timeout: 600_000 }, () => {
  const ctx = cliStack('cli-job-');
  const { cli, spawn, seed, bulkJobs } = ctx;

  it('exits 0 with one JSON summary when every item is imported', async () => {
    const list = users('ok', 20, 5);
    seed(list);
    const file = join(ctx.dir, 'ok.jsonl');
    await writeJsonl(file, list);
    const r = await cli(['import', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = jsonOut<JobSummaryJson>(r);
    for (const key of ['jobId', 'status', 'users', 'items', 'imported', 'failed', 'failedByCode', 'calls'])
      assert.ok(key in s, key);
    assert.deepEqual(
      [s.status, s.users, s.items, s.imported, s.failed, s.failedByCode],
      ['completed', 20, 100, 100, 0, {}],
    );
    assert.ok(s.calls >= 20 && s.elapsedMs > 0);
    assert.equal(s.reportJsonl, join(ctx.dir, 'friend-import-reports', s.jobId, 'report.jsonl'));
    assert.equal(await readFile(s.reportJsonl, 'utf8'), '');
    assert.equal(await readFile(s.reportCsv ?? '', 'utf8'), 'line,fromAccount,toAccount,code,reason,kind\n');
    assert.match(r.stderr, /Started job /);
    for (const u of list) assertFriends(ctx.stack.emulator, u.from, u.items);
  });

  it('exits 3 when items failed, with status, report and re-attach saying the same', async () => {
    const list = users('bad', 10, 4);
    seed(list);
    list[2]!.items.push(friendItem('ghost-cli')); // not an account → 30003
    list[4]!.items.push(friendItem('bad4-x', { Remark: 'r'.repeat(97) })); // over 96 bytes → rejected
    const file = join(ctx.dir, 'bad.jsonl');
    await writeJsonl(file, list, ['{broken']);
    const r = await cli(['import', file, '--json', '--job-id', 'cli-failures']);
    assert.equal(r.code, 3, r.stderr);
    const s = jsonOut<JobSummaryJson>(r);
    assert.deepEqual(
      [s.jobId, s.status, s.lines, s.items, s.imported, s.failed, s.failedByCode],
      ['cli-failures', 'completed', 11, 43, 40, 3, { 30003: 1, rejected: 2 }],
    );
    const rows = readRows(await readFile(s.reportJsonl ?? '', 'utf8'));
    assert.deepEqual(
      rows.map((x) => [x.line, x.fromAccount, x.toAccount, x.code, x.kind]),
      [
        [3, 'bad2', 'ghost-cli', 30003, 'permanent'],
        [5, 'bad4', 'bad4-x', 'rejected', 'rejected'],
        [11, '', '', 'rejected', 'rejected'],
      ],
    );

    const status = await cli(['status', 'cli-failures', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const st = jsonOut<JobSummaryJson>(status);
    assert.deepEqual(
      [st.status, st.items, st.imported, st.failed, st.failedByCode, st.reportCsv],
      ['completed', 43, 40, 3, { 30003: 1, rejected: 2 }, s.reportCsv],
    );
    const report = await cli(['report', 'cli-failures', '--json']);
    const rep = jsonOut<{ final: boolean; readable: boolean; rows: unknown[] }>(report);
    assert.deepEqual([rep.final, rep.readable, rep.rows], [true, true, rows]);
    const human = await cli(['report', 'friend-import-job:cli-failures']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /line 3: bad2 → ghost-cli: .*\[30003, permanent\]/);
    assert.match(human.stdout, /line 11: is not valid JSON/);

    // One user's outcomes in the job: what was imported and what failed, by line.
    const one = await cli(['report', 'cli-failures', '--user', 'bad2', '--json']);
    assert.equal(one.code, 0, one.stderr);
    const mine = jsonOut<{ imported: number; failed: number; lines: { line: number; imported: string[] }[] }>(
      one,
    );
    assert.deepEqual([mine.imported, mine.failed, mine.lines.map((l) => l.line)], [4, 1, [3]]);
    assert.deepEqual(
      mine.lines[0]?.imported.sort(),
      list[2]!.items
        .slice(0, 4)
        .map((i) => i.To_Account)
        .sort(),
    );
    const oneHuman = await cli(['report', 'cli-failures', '--user', 'bad2']);
    assert.match(oneHuman.stdout, /bad2 — 4 imported, 1 failed, on 1 input line\./);
    assert.match(oneHuman.stdout, /line 3: ghost-cli failed: .*\[30003, permanent\]/);

    // The same command again re-attaches to the finished job: the same answer, no second job.
    const jobs = await bulkJobs();
    const again = await cli(['import', file, '--json', '--job-id', 'cli-failures']);
    assert.equal(again.code, 3);
    assert.deepEqual(jsonOut<JobSummaryJson>(again).failedByCode, s.failedByCode);
    assert.match(again.stderr, /Re-attached to job cli-failures/);
    assert.equal(await bulkJobs(), jobs);
    // The ID of a job of another file: refused, not followed as if it were this file's.
    const other = await cli(['import', join(ctx.dir, 'other.jsonl'), '--job-id', 'cli-failures']);
    assert.equal(other.code, 2, other.stderr);
    assert.match(
      other.stderr,
      /^friend-import: job "cli-failures" imports \S+, not \S+other\.jsonl: leave out the job ID/,
    );
    assert.equal(await bulkJobs(), jobs);
  });

  it('--detach and Ctrl-C leave the job running; --job-id re-attaches', async (t) => {
    const { emulator } = ctx.stack;
    const list = users('dt', 40, 12);
    seed(list);
    const file = join(ctx.dir, 'detach.jsonl');
    await writeJsonl(file, list);
    // Slow answers keep the job running while the CLI attaches and detaches.
    emulator.setFaults({
      rules: [{ kind: 'slow', delayMs: 1_000, fromAccounts: list.map((u) => u.from) }],
    });
    t.after(() => emulator.setFaults(undefined));
    const detached = await cli(['import', file, '--detach', '--concurrency', '5']);
    assert.equal(detached.code, 0, detached.stderr);
    const jobId = detached.stdout.trim();
    assert.match(jobId, /^job-\d{8}T\d{6}-[0-9a-f]{8}$/);
    assert.match(detached.stderr, new RegExp(`--job-id ${jobId}`));

    const attached = spawn(['import', file, '--job-id', jobId]);
    await waitFor('the attached CLI', () => attached.stderr().includes('Ctrl-C detaches'));
    attached.child.kill('SIGINT');
    const interrupted = await attached.exited;
    assert.equal(interrupted.code, 130);
    assert.match(interrupted.stderr, new RegExp(`Detached from job ${jobId}; it keeps running`));
    assert.match(
      interrupted.stderr,
      new RegExp(`Re-attach with: friend-import import ${file} --job-id ${jobId}`),
    );

    emulator.setFaults(undefined);
    const end = await cli(['import', file, '--job-id', jobId, '--json']);
    assert.equal(end.code, 0, end.stderr);
    assert.deepEqual(
      [jsonOut<JobSummaryJson>(end).status, jsonOut<JobSummaryJson>(end).imported],
      ['completed', 480],
    );
    for (const u of list) assertFriends(emulator, u.from, u.items);
  });

  it('--dry-run reports every bad row and writes nothing to IM or Temporal', async () => {
    const { emulator, client } = ctx.stack;
    const list = users('dry', 5, 3);
    seed(list);
    list[1]!.items.push(friendItem('dry1-x', { Remark: 'r'.repeat(97) }));
    list[3]!.items.push(friendItem('dry3')); // self-friend
    const file = join(ctx.dir, 'dry.jsonl');
    await writeJsonl(file, list, ['{not json', '{"From_Account":"dry9","AddFriendItem":[]}']);
    const clean = join(ctx.dir, 'clean.jsonl');
    await writeJsonl(clean, list.slice(0, 1));
    const csv = join(ctx.dir, 'dry.csv');
    await writeCsv(csv, [
      { from: 'dry0', items: [friendItem('dry0-0'), friendItem('dry0-1', { GroupName: ['g'.repeat(31)] })] },
    ]);
    const expectedLines = [2, 4, 6, 7];
    const requests = emulator.stats().requests;
    const workflows = (await client.workflow.count()).count;

    const r = await cli(['import', file, '--dry-run']);
    assert.equal(r.code, 3, r.stderr);
    for (const line of expectedLines) assert.match(r.stdout, new RegExp(`^line ${line}: `, 'm'));
    assert.equal(r.stdout.match(/^line \d+:/gm)?.length, expectedLines.length);
    assert.match(r.stdout, /line 2: dry1 → dry1-x: AddFriendItem\[3\]\.Remark is 97 bytes/);
    assert.match(r.stdout, /Nothing was written to IM or Temporal/);

    const report = join(ctx.dir, 'dry-report.jsonl');
    const withReport = await cli(['import', file, '--dry-run', '--json', '--report', report]);
    assert.equal(withReport.code, 3);
    const summary = jsonOut<{
      lines: number;
      items: number;
      valid: number;
      rejected: number;
      reportCsv: string;
    }>(withReport);
    assert.deepEqual([summary.lines, summary.items, summary.valid, summary.rejected], [7, 19, 15, 4]);
    assert.deepEqual(
      readRows(await readFile(report, 'utf8')).map((x) => x.line),
      expectedLines,
    );
    assert.equal(
      (await readFile(summary.reportCsv, 'utf8')).trim().split('\n').length,
      1 + expectedLines.length,
    );

    // No Temporal is needed at all: a dead address changes nothing.
    const offline = await cli(['import', clean, '--dry-run'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(offline.code, 0, offline.stderr);
    const csvRun = await cli(['import', csv, '--dry-run', '--json']);
    assert.equal(csvRun.code, 3);
    assert.deepEqual(
      jsonOut<{ badRows: { line: number }[] }>(csvRun).badRows.map((x) => x.line),
      [3],
    );

    assert.equal(emulator.stats().requests, requests, 'no IM request');
    for (const u of list) assert.equal(emulator.friendsOf(u.from).length, 0);
    assert.equal((await client.workflow.count()).count, workflows, 'no workflow');
  });
});
