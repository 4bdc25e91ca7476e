/**
 * One writer per user and the app-wide rate across processes (docs/architecture.md): two worker
 * processes, two bulk jobs that share users, and service-path imports of shared users while the
 * jobs run, against the emulator in its own process enforcing the rate. Then a worker running a
 * page is SIGKILLed mid-page: every item still has exactly one outcome and one report row.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readOutcomes } from '../../formats/importReport.js';
import { reportPaths, startBulkJob, type BulkJobHandle } from '../../client/bulkJobs.js';
import { importFriends } from '../../client/userImports.js';
import type { ReportRow } from '../../core/jobTypes.js';
import type { AddFriendItem } from '../../im/schemas.js';
import { bulkJobWorkflowId } from '../../core/definitions.js';
import { friendItems, submitted } from '../support/data.js';
import { diffFriends, openEmulatorState, type StateDiff } from '../support/emulatorState.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';
import { killHard, startStack, type Stack } from '../../cli/stack/stack.js';

const RATE = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(
  'one writer per user and the app rate across workers, jobs and user imports',
  { timeout: 300_000 },
  () => {
    let dir: string;
    let stack: Stack;
    let service: RemoteEmulator;
    const workers: ChildProcess[] = [];
    const expected = new Map<string, AddFriendItem[]>();
    const expect = (from: string, items: readonly AddFriendItem[]) =>
      expected.set(from, [...(expected.get(from) ?? []), ...items]);

    // Job A: users s0–s29 (shared) and a0–a29; job B: s0–s29 with other friends, and b0–b29.
    const shared = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const jobA: UserInput[] = [
      ...shared.map((from) => ({ from, items: friendItems(12, `${from}-a`) })),
      ...Array.from({ length: 30 }, (_, i) => ({ from: `a${i}`, items: friendItems(12, `a${i}-`) })),
    ];
    const jobB: UserInput[] = [
      ...shared.map((from) => ({ from, items: friendItems(12, `${from}-b`) })),
      ...Array.from({ length: 30 }, (_, i) => ({ from: `b${i}`, items: friendItems(12, `b${i}-`) })),
    ];
    const serviceUsers = shared.slice(0, 5);
    const serviceItems = (from: string) => friendItems(7, `${from}-svc`);
    // The SIGKILL test's file; a few items the service refuses, so the report has rows to count.
    const killUsers: UserInput[] = Array.from({ length: 120 }, (_, i) => ({
      from: `k${i}`,
      items: friendItems(10, `k${i}-`),
    }));
    const ghosts = new Set(['k3', 'k40', 'k77'].map((f) => `${f}-9`));

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'coord-'));
      const accounts = new Set<string>();
      for (const u of [...jobA, ...jobB]) {
        accounts.add(u.from);
        for (const i of u.items) accounts.add(i.To_Account);
      }
      for (const from of serviceUsers) for (const i of serviceItems(from)) accounts.add(i.To_Account);
      for (const u of killUsers) {
        accounts.add(u.from);
        for (const i of u.items) if (!ghosts.has(i.To_Account)) accounts.add(i.To_Account);
      }
      await writeFile(join(dir, 'accounts.txt'), [...accounts].join('\n') + '\n');
      service = await spawnEmulator({
        accountsFile: join(dir, 'accounts.txt'),
        rateLimit: RATE,
        // Each write is held, so two writes for one user would overlap and be counted.
        writeLatencyMs: 40,
        recordCalls: true,
        db: join(dir, 'service.sqlite'),
      });
      stack = await startStack({ worker: false, rateLimit: RATE });
      for (let i = 0; i < 2; i++) workers.push(await stack.spawnWorker({ IM_BASE_URL: service.baseUrl }));
    });
    after(async () => {
      for (const w of workers) await killHard(w);
      await stack?.stop();
      await service?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('two jobs sharing users and service imports of shared users: no overlap, no window over the rate, exact state', async (t) => {
      await writeJsonl(join(dir, 'a.jsonl'), jobA);
      await writeJsonl(join(dir, 'b.jsonl'), jobB);
      const target = { client: stack.client, taskQueue: stack.taskQueue };
      const [a, b] = await Promise.all([
        startBulkJob(target, {
          jobId: 'coord-a',
          path: join(dir, 'a.jsonl'),
          format: 'jsonl',
          report: join(dir, 'a', 'report.jsonl'),
          concurrency: 8,
        }),
        startBulkJob(target, {
          jobId: 'coord-b',
          path: join(dir, 'b.jsonl'),
          format: 'jsonl',
          report: join(dir, 'b', 'report.jsonl'),
          concurrency: 8,
        }),
      ]);
      // Service imports of shared users while the jobs write for them.
      while ((await service.stats()).friendImport.calls < 10) await sleep(50);
      const handles = await Promise.all(
        serviceUsers.map((from) =>
          importFriends(stack.target, from, submitted(serviceItems(from)), { submissionId: `svc-${from}` }),
        ),
      );
      const outcomes = await Promise.all(handles.map((h) => h.outcome()));
      const [sa, sb] = await Promise.all([a.result(), b.result()]);

      for (const u of [...jobA, ...jobB]) expect(u.from, u.items);
      for (const from of serviceUsers) expect(from, serviceItems(from));
      assert.deepEqual(
        outcomes.map((o) => [o.status, o.imported, o.failed]),
        serviceUsers.map(() => ['done', 7, 0]),
      );
      for (const s of [sa, sb])
        assert.deepEqual([s.state, s.items, s.imported, s.failed], ['completed', 720, 720, 0]);

      const stats = (await service.stats()).friendImport;
      t.diagnostic(
        `${stats.calls} calls, max ${stats.maxCallsInAnyWindow} in one second, ${stats.overlaps} overlaps`,
      );
      assert.equal(stats.overlaps, 0, `overlapping writes for ${stats.overlapAccounts.join(', ')}`);
      assert.ok(stats.maxCallsInAnyWindow <= RATE, `${stats.maxCallsInAnyWindow} calls in one second`);
      assert.equal(stats.rateLimited, 0);
      // The jobs really ran side by side, and the service imports in between.
      const calls = await service.calls();
      const firstOf = (prefix: string) =>
        Math.min(...calls.filter((c) => c.fromAccount.startsWith(prefix)).map((c) => c.arrivedAt));
      const lastOf = (prefix: string) =>
        Math.max(...calls.filter((c) => c.fromAccount.startsWith(prefix)).map((c) => c.arrivedAt));
      assert.ok(firstOf('b') < lastOf('a') && firstOf('a') < lastOf('b'), 'the two jobs overlapped in time');
    });

    it('a worker SIGKILLed mid-page: the page resumes elsewhere, every item has one outcome and one report row', async (t) => {
      const users = killUsers;
      await writeJsonl(join(dir, 'k.jsonl'), users);
      const report = join(dir, 'k', 'report.jsonl');
      const job: BulkJobHandle = await startBulkJob(
        { client: stack.client, taskQueue: stack.taskQueue },
        { jobId: 'coord-kill', path: join(dir, 'k.jsonl'), format: 'jsonl', report, concurrency: 4 },
      );
      // Kill the worker that runs the page once a third of the calls are made.
      const before = (await service.stats()).friendImport.calls;
      while ((await service.stats()).friendImport.calls - before < 40) await sleep(50);
      const description = await stack.client.workflow.getHandle(bulkJobWorkflowId('coord-kill')).describe();
      const identity = description.raw.pendingActivities?.[0]?.lastWorkerIdentity ?? '';
      const pid = Number(identity.split('@')[0]);
      const victim = workers.find((w) => w.pid === pid);
      assert.ok(victim, `the page runs on one of our workers (${identity})`);
      await killHard(victim);
      t.diagnostic(`killed worker ${identity} mid-page`);
      workers.push(await stack.spawnWorker({ IM_BASE_URL: service.baseUrl }));

      const summary = await job.result();
      assert.deepEqual(
        [summary.state, summary.items, summary.imported, summary.failed],
        ['completed', 1_200, 1_197, 3],
      );
      assert.deepEqual(summary.failedByCode, { 30003: 3 });
      // Every item exactly once in the outcome files, and once in the report if it failed.
      const seen = new Map<string, number>();
      for await (const o of readOutcomes(reportPaths('coord-kill', report).reportDir))
        for (const to of [...o.imported, ...o.failed.map((f) => f.toAccount)])
          seen.set(`${o.fromAccount}→${to}`, (seen.get(`${o.fromAccount}→${to}`) ?? 0) + 1);
      assert.equal(seen.size, 1_200);
      assert.deepEqual([...new Set(seen.values())], [1]);
      const rows = (await readFile(summary.reportJsonl, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ReportRow);
      assert.deepEqual(rows.map((r) => r.toAccount).sort(), [...ghosts].sort());
      for (const u of users)
        expect(
          u.from,
          u.items.filter((i) => !ghosts.has(i.To_Account)),
        );

      const stats = (await service.stats()).friendImport;
      assert.equal(stats.overlaps, 0, `overlapping writes for ${stats.overlapAccounts.join(', ')}`);
      assert.ok(stats.maxCallsInAnyWindow <= RATE, `${stats.maxCallsInAnyWindow} calls in one second`);

      // The service's final state, item by item, for everything this file imported.
      await service.stop();
      const state = await openEmulatorState(join(dir, 'service.sqlite'));
      const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
      try {
        for (const [from, items] of expected) diffFriends(from, state.friendsOf(from), items, diff);
      } finally {
        await state.close();
      }
      assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] });
    });
  },
);
