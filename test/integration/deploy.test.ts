/**
 * A deploy in the middle of a job (docs/deploys.md): a bulk job and a 2,900-friend user
 * import start on workers of build A (today's workflow code); while a page is in flight, workers of
 * build B (today's code plus a change behind `patched()`, test/fixtures/deploy/buildB/) join and
 * A's workers go — the page's holder with SIGTERM, as a rolling deploy stops it, the other with
 * SIGKILL, as a node lost during the deploy. Both end exact on B: the emulator holds every pair
 * with its fields, each item has one outcome, the report has exactly the failed items, no two
 * writes for one user overlapped and no second went over the rate. Their histories replayed on B
 * without a failed workflow task, B ran their later tasks and took the new branch at their end;
 * and a history B finished does not replay on A's code (why a rollback needs care).
 *
 * Workers are child processes started the way operators start them (`friend-import worker`), each
 * build given by WORKER_WORKFLOW_BUNDLE, the prebuilt bundle a build ships; only a process can be
 * SIGKILLed.
 */
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startBulkJob } from '../../client/bulkJobs.js';
import { importFriends } from '../../client/userImports.js';
import { coordinatorWorkflowId } from '../../core/definitions.js';
import type { ReportRow } from '../../core/jobTypes.js';
import { killHard, quietRuntime, startStack, type Stack } from '../../cli/stack/stack.js';
import { workflowBundle } from '../../workers/bundle.js';
import { assertFriends, friendItem, friendItems, submitted } from '../support/data.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { runsOf, type RunHistory } from './deployHistory.js';
import { waitFor } from './cliHelpers.js';

const RATE = 50;
const SLOW_MS = 1_500;
const buildBPath = fileURLToPath(new URL('../fixtures/deploy/buildB/index.ts', import.meta.url));
const noop = (): void => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error };

const identityOf = (child: ChildProcess): string => `${child.pid}@${hostname()}`;

describe('a deploy of a new build while a job and a user import run', { timeout: 600_000 }, () => {
  let stack: Stack;
  let dir: string;
  const code = { a: '', b: '' };
  const files = { a: '', b: '' };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-'));
    // Each build as it ships: one prebuilt bundle, loaded by every worker process of that build.
    code.a = (await workflowBundle()).code;
    code.b = (
      await bundleWorkflowCode({ workflowsPath: buildBPath, preloadModules: [buildBPath], logger: quiet })
    ).code;
    files.a = join(dir, 'build-a.js');
    files.b = join(dir, 'build-b.js');
    await writeFile(files.a, code.a);
    await writeFile(files.b, code.b);
    stack = await startStack({
      worker: false,
      rateLimit: RATE,
      batchSize: 10,
      emulator: { recordCalls: true, rateLimit: RATE, writeLatencyMs: 10 },
    });
  });
  after(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('hands a running job and a running user import from build A to build B, exactly', async (t) => {
    // 4 pages of 30 users. The first user of page 3 has 400 friends and answers slowly: page 3 is
    // in flight for a minute, long enough to deploy in its middle. Ghosts fail (30003) on every
    // side of the deploy.
    const users: UserInput[] = Array.from({ length: 120 }, (_, i) => ({
      from: `dp${i}`,
      items: friendItems(i === 60 ? 400 : 20, `dp${i}-`),
    }));
    const big = { from: 'big', items: friendItems(2_900, 'big-') };
    stack.emulator.seedAccounts([
      ...users.flatMap((u) => [u.from, ...u.items.map((x) => x.To_Account)]),
      big.from,
      ...big.items.map((x) => x.To_Account),
    ]);
    // Accounts that do not exist (not seeded).
    const ghosts = new Map<string, number>();
    for (const i of [5, 60, 61, 100]) {
      users[i]!.items.push(friendItem(`ghost-${i}`));
      ghosts.set(`dp${i}→ghost-${i}`, i + 1);
    }
    big.items.push(friendItem('big-ghost'));
    stack.emulator.setFaults({ rules: [{ kind: 'slow', delayMs: SLOW_MS, fromAccounts: ['dp60', 'big'] }] });
    const file = join(dir, 'deploy.jsonl');
    await writeJsonl(file, users);
    const callsOf = (from: string) => stack.emulator.calls().filter((c) => c.fromAccount === from).length;

    // Build A runs alone, and starts both.
    const a = [
      await stack.spawnWorker({ WORKER_WORKFLOW_BUNDLE: files.a }),
      await stack.spawnWorker({ WORKER_WORKFLOW_BUNDLE: files.a }),
    ];
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      { jobId: 'deploy', path: file, report: join(dir, 'report.jsonl'), concurrency: 8, pageLines: 30 },
    );
    await waitFor(
      'page 3 in flight',
      async () => (await job.progress()).pages >= 2 && callsOf('dp60') >= 1,
      180_000,
    );
    // 30 calls of 100 friends (the service's cap is 3,000 friends): it runs for most of a minute,
    // its first calls on A.
    const user = await importFriends(
      { ...stack.target, options: { batchSize: 100 } },
      big.from,
      submitted(big.items),
      { submissionId: 'big' },
    );
    await waitFor('the user import under way on A', () => callsOf('big') >= 2, 60_000);

    // The deploy: B's workers join, then A's go.
    const b = await Promise.all([
      stack.spawnWorker({ WORKER_WORKFLOW_BUNDLE: files.b }),
      stack.spawnWorker({ WORKER_WORKFLOW_BUNDLE: files.b }),
    ]);
    const described = await stack.client.workflow.getHandle(job.workflowId).describe();
    const page = described.raw.pendingActivities?.find((p) => p.activityType?.name === 'importPage');
    assert.equal((await job.progress()).pages, 2, 'the deploy comes while page 3 runs');
    const holder = a.find((w) => identityOf(w) === page?.lastWorkerIdentity);
    assert.ok(holder, `page 3 runs on a worker of build A (${page?.lastWorkerIdentity})`);
    const other = a.find((w) => w !== holder)!;
    assert.ok(callsOf('big') < 30, 'the user import is still running');
    const stopped = once(holder, 'exit') as Promise<[number | null]>;
    holder.kill('SIGTERM');
    await killHard(other);
    const [code0] = await stopped;
    assert.equal(code0, 0, stack.outputOf(holder).slice(-2_000));
    t.diagnostic(
      `deployed at ${callsOf('dp60')} of dp60's 41 calls and ${callsOf('big')} of big's 30; A = ${a.map(identityOf).join(', ')}, B = ${b.map(identityOf).join(', ')}`,
    );

    // Both end exact.
    const summary = await job.result();
    assert.equal(summary.state, 'completed');
    const items = users.reduce((n, u) => n + u.items.length, 0);
    assert.deepEqual(
      [summary.items, summary.imported, summary.failed, summary.failedByCode],
      [items, items - ghosts.size, ghosts.size, { 30003: ghosts.size }],
    );
    const rows = (await readFile(summary.reportJsonl, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ReportRow);
    assert.deepEqual(
      rows.map((r) => [`${r.fromAccount}→${r.toAccount}`, r.line, r.code]).sort(),
      [...ghosts].map(([k, line]) => [k, line, 30003]).sort(),
    );
    for (const u of users)
      assertFriends(
        stack.emulator,
        u.from,
        u.items.filter((x) => !ghosts.has(`${u.from}→${x.To_Account}`)),
      );
    const result = await user.result();
    assert.deepEqual(
      [result.state, result.items, result.imported, result.failed],
      ['completed', 2_901, 2_900, 1],
    );
    const outcome = await user.outcome();
    assert.deepEqual([outcome.status, outcome.imported, outcome.failed], ['done', 2_900, 1]);
    assertFriends(stack.emulator, big.from, big.items.slice(0, 2_900));
    const stats = stack.emulator.stats().friendImport;
    assert.equal(stats.overlaps, 0, `overlapping writes for ${stats.overlapAccounts.join(', ')}`);
    assert.ok(stats.maxCallsInAnyWindow <= RATE, `${stats.maxCallsInAnyWindow} calls in one second`);
    assert.equal(stats.rateLimited, 0);

    // What the histories say: no workflow task failed, A began them, B ended them on its new branch.
    const inA = new Set(a.map(identityOf));
    const inB = new Set(b.map(identityOf));
    const jobRuns = await runsOf(stack.client, job.workflowId);
    const userRuns = await runsOf(stack.client, user.workflowId);
    const coordinator = await runsOf(stack.client, coordinatorWorkflowId(stack.im.sdkAppId));
    for (const [name, runs] of [
      ['job', jobRuns],
      ['user import', userRuns],
      ['coordinator', coordinator],
    ] as const)
      assert.deepEqual(
        runs.flatMap((r) => r.taskFailures),
        [],
        `${name}: no workflow task failed (replayed on B without nondeterminism)`,
      );
    const handover = (name: string, runs: RunHistory[]): void => {
      const ids = runs.flatMap((r) => r.taskIdentities);
      assert.ok(inA.has(ids[0] ?? ''), `${name}: its first workflow task ran on A (${ids[0]})`);
      assert.ok(inB.has(ids.at(-1) ?? ''), `${name}: its last workflow task ran on B (${ids.at(-1)})`);
      assert.ok(
        ids.every((id) => inA.has(id) || inB.has(id)),
        `${name}: only our workers ran it`,
      );
    };
    handover('job', jobRuns);
    handover('user import', userRuns);

    const pages = jobRuns.flatMap((r) => r.activities).filter((x) => x.type === 'importPage');
    assert.equal(pages.length, 4);
    assert.ok(
      pages.slice(0, 2).every((p) => inA.has(p.identity)),
      'pages 1 and 2 ran on A',
    );
    const third = pages[2]!;
    assert.ok(inB.has(third.identity) && third.attempt >= 2, `page 3 ended on B: ${JSON.stringify(third)}`);
    assert.match(third.lastFailure ?? '', /worker shutting down/, 'after A let it go at its SIGTERM');
    assert.ok(inB.has(pages[3]!.identity), 'page 4 ran on B');
    const calls = userRuns.flatMap((r) => r.activities).filter((x) => x.type === 'friendImport');
    t.diagnostic(
      `page 3: attempt ${third.attempt} on B after "${third.lastFailure}"; user import calls on A ${
        calls.filter((c) => inA.has(c.identity)).length
      }, on B ${calls.filter((c) => inB.has(c.identity)).length}; max ${stats.maxCallsInAnyWindow} calls in one second`,
    );
    assert.ok(
      calls.some((c) => inA.has(c.identity)),
      'A made some of the user import calls',
    );
    assert.ok(inB.has(calls.at(-1)?.identity ?? ''), 'B made its last call');

    // The new branch: taken at the end (live on B), not at the start (A started them).
    for (const workflowId of [job.workflowId, user.workflowId]) {
      const { memo } = await stack.client.workflow.getHandle(workflowId).describe();
      assert.deepEqual(memo, { finishedBy: 'build-b' }, `${workflowId}'s memo`);
    }

    // Replay both ways: a history that B finished replays on B and not on A.
    quietRuntime();
    for (const [workflowId, runs] of [
      [job.workflowId, jobRuns],
      [user.workflowId, userRuns],
    ] as const) {
      const history = { events: runs.at(-1)!.events };
      await Worker.runReplayHistory({ workflowBundle: { code: code.b } }, history, workflowId);
      // Temporal's core logs this expected failure as a WARN "Failing workflow task" line.
      await assert.rejects(
        Worker.runReplayHistory({ workflowBundle: { code: code.a } }, history, workflowId),
        (err: unknown) =>
          err instanceof DeterminismViolationError && err.message.includes('deploy-test-finished-by-b'),
        `${workflowId}: a history that B finished does not replay on A`,
      );
    }
  });
});
