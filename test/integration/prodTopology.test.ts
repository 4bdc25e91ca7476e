/**
 * The production topology under disruption (docs/production.md): the pinned Temporal server on
 * PostgreSQL with the deployed settings (scripts/prod-stack), three `friend-import worker`
 * processes configured by environment only, and the IM service as the emulator in its own process,
 * enforcing the app rate and injecting faults (transient codes, 502s, slow answers). A bulk job
 * runs while service imports write for some of the same users, and meanwhile, one after the other:
 * the worker running the job's page is SIGKILLed (and replaced), the worker running it next is
 * drained with SIGTERM (not replaced), the Temporal server is restarted, then PostgreSQL.
 *
 * Afterwards: the service's state is exactly what the input and the service imports must produce,
 * item by item; every item of the job has exactly one outcome in the outcome files and every
 * failed one exactly one report row; no two writes for one user overlapped, no 1-second window
 * went over the rate and nothing was refused for the rate.
 */
import proto from '@temporalio/proto';
import type { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readOutcomes } from '../../formats/importReport.js';
import { reportPaths, startBulkJob } from '../../client/bulkJobs.js';
import { importFriends, type ImportTarget, type UserImportHandle } from '../../client/serviceImport.js';
import type { ReportRow } from '../../core/jobTypes.js';
import type { FriendImportCall } from '../../emulator/index.js';
import type { AddFriendItem } from '../../im/schemas.js';
import { startProdStack, type ProdStack } from '../../scripts/prod-stack/stack.js';
import { bulkJobWorkflowId } from '../../core/definitions.js';
import { chaosData, chaosFaults, minCalls } from '../support/chaosData.js';
import { friendItems, submitted } from '../support/data.js';
import { diffFriends, openEmulatorState, type StateDiff } from '../support/emulatorState.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';
import { killHard } from '../../cli/stack/stack.js';
import {
  connectTarget,
  isAlive,
  workerEnv,
  workerProcesses,
  type WorkerProcesses,
} from '../../cli/stack/workerProcesses.js';

const SEED = Number(process.env.PROD_TOPOLOGY_SEED ?? 20_261_203);
const RATE = 50;
const WORKERS = 3;
const TASK_QUEUE = 'friend-import';
const STARTED = proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

const FAULTS = chaosFaults(SEED, 0.004);

/** PROD_TOPOLOGY_LOG=1 follows the run as it goes (diagnostics print only at the end). */
const log = (line: string): void => {
  if (process.env.PROD_TOPOLOGY_LOG)
    process.stderr.write(`[prod-topology ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Disruption {
  what: string;
  /** Epoch ms when it began. */
  at: number;
  /** friend_import calls the service had seen when it began. */
  calls: number;
  detail: string;
}

describe(
  'production topology: faults, a SIGKILL, a SIGTERM drain, server and PostgreSQL restarts',
  { timeout: 240_000 },
  () => {
    // 1,100 small users and 12 that need two or three calls; some items name unknown accounts (30003).
    const data = chaosData(SEED, 1_100, 12, 20_000);
    const serviceUsers = data.users.filter((_, i) => i % 100 === 40).map((u) => u.from);
    const serviceItems = (from: string): AddFriendItem[] => friendItems(8, `${from}-svc`);
    const isServiceCall = (c: FriendImportCall) => c.toAccounts.some((to) => to.includes('-svc'));
    const suiteStarted = Date.now();
    let dir = '';
    let stack: ProdStack | undefined;
    let service: RemoteEmulator | undefined;
    let connection: Connection | undefined;
    let client: Client;
    let target: ImportTarget;
    let workers: WorkerProcesses | undefined;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'prod-topology-'));
      const accounts = new Set(data.accounts);
      for (const from of serviceUsers) for (const i of serviceItems(from)) accounts.add(i.To_Account);
      await writeFile(join(dir, 'accounts.txt'), [...accounts].join('\n') + '\n');
      service = await spawnEmulator({
        accountsFile: join(dir, 'accounts.txt'),
        rateLimit: RATE,
        // Each write is held a moment, so two writes for one user would overlap and be counted.
        writeLatencyMs: 25,
        faults: FAULTS,
        recordCalls: true,
        db: join(dir, 'service.sqlite'),
      });
      stack = await startProdStack();
      const settings = {
        address: stack.address,
        namespace: stack.namespace,
        taskQueue: TASK_QUEUE,
        imBaseUrl: service.baseUrl,
        rateLimit: RATE,
        batchSize: 1000,
      };
      ({ connection, client, target } = await connectTarget(settings));
      const pool = workerProcesses(workerEnv(settings));
      workers = pool;
      await Promise.all(Array.from({ length: WORKERS }, () => pool.spawn()));
    });

    after(async () => {
      for (const w of workers?.alive() ?? []) await killHard(w);
      await connection?.close();
      await stack?.stop();
      await service?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('ends exactly as the input must: one outcome per item, no overlap, no window over the rate', async (t) => {
      assert.ok(stack && service && workers);
      const emulator = service;
      const pool = workers;
      const input = join(dir, 'input.jsonl');
      await writeFile(input, data.jsonl);
      const jobId = `prod-topology-${SEED}`;
      const report = join(dir, 'job', 'report.jsonl');
      const jobStarted = Date.now();
      const job = await startBulkJob(
        { client, taskQueue: TASK_QUEUE },
        // Pages of 500 lines: the job moves from page to page (and worker to worker) as it would.
        { jobId, path: input, format: 'jsonl', report, pageLines: 500 },
      );
      const jobHandle = client.workflow.getHandle(bulkJobWorkflowId(jobId));
      const need = minCalls(data);
      t.diagnostic(
        `${data.users.length} users, ${data.items} items (${data.ghosts} unknown), at least ${need} calls at ${RATE}/s; ` +
          `${serviceUsers.length} users also imported through the service path`,
      );

      const callsSoFar = async (): Promise<number> => (await emulator.stats()).friendImport.calls;
      // The test's own requests may fail while the server or PostgreSQL restarts: ask again.
      const running = async (): Promise<boolean> => (await job.status().catch(() => 'RUNNING')) === 'RUNNING';
      const waitForCalls = async (n: number, before: string): Promise<number> => {
        for (let i = 0; i < 3_000; i++) {
          const calls = await callsSoFar();
          if (calls >= n) return calls;
          if (!(await running())) throw new Error(`the job ended before ${before} (${calls} calls)`);
          await sleep(100);
        }
        throw new Error(`${n} calls not reached before ${before}`);
      };
      /** The worker of ours running the job's page right now (a live process, its attempt started). */
      const pageWorker = async (): Promise<{ child: ChildProcess; identity: string; attempt: number }> => {
        for (let i = 0; i < 600; i++) {
          const described = await jobHandle.describe().catch(() => undefined);
          const page = described?.raw.pendingActivities?.[0];
          const child = pool.byIdentity(page?.lastWorkerIdentity);
          if (page?.state === STARTED && child && isAlive(child))
            return { child, identity: page.lastWorkerIdentity ?? '', attempt: page.attempt ?? 0 };
          await sleep(200);
        }
        throw new Error('no worker of ours picked up the page');
      };

      const handles: Promise<UserImportHandle>[] = [];
      const importWave = (users: readonly string[]) => {
        for (const from of users)
          handles.push(
            importFriends(target, from, submitted(serviceItems(from)), { submissionId: `svc-${from}` }),
          );
      };
      const disruptions: Disruption[] = [];
      const begin = async (what: string) => ({ what, at: Date.now(), calls: await callsSoFar() });
      /**
       * Records a disruption once it is over, and waits until the job makes calls again: each one
       * then meets a job that recovered from the one before, and each pause is its own.
       */
      const recovered = async (d: Disruption): Promise<void> => {
        disruptions.push(d);
        log(`${d.what}: ${d.detail}`);
        await waitForCalls((await callsSoFar()) + 40, `recovering from the ${d.what}`);
      };

      // Service imports of users the job also writes for, while it writes.
      await waitForCalls(Math.round(need * 0.05), 'the first service imports');
      importWave(serviceUsers.filter((_, i) => i % 2 === 0));

      // 1. SIGKILL the worker running the page; a fresh worker replaces it.
      await waitForCalls(Math.round(need * 0.12), 'the SIGKILL');
      {
        const page = await pageWorker();
        const d = await begin('SIGKILL');
        await killHard(page.child);
        await pool.spawn();
        await recovered({
          ...d,
          detail: `killed ${page.identity}, which ran the page (attempt ${page.attempt}); a fresh worker replaced it`,
        });
      }

      // 2. SIGTERM the worker running the page now: it drains, hands the page back and exits 0.
      await waitForCalls(Math.round(need * 0.35), 'the SIGTERM');
      {
        const page = await pageWorker();
        const d = await begin('SIGTERM');
        const exited = once(page.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
        page.child.kill('SIGTERM');
        // Bounded: a drain that hangs fails the test below rather than the whole suite.
        const bound = setTimeout(() => page.child.kill('SIGKILL'), 90_000);
        const [code, signal] = await exited;
        clearTimeout(bound);
        const output = pool.outputOf(page.child).slice(-2000);
        assert.equal(signal, null, `the drained worker had to be killed:\n${output}`);
        assert.equal(code, 0, `the drained worker exits 0:\n${output}`);
        await recovered({
          ...d,
          detail:
            `drained ${page.identity}, which ran the page (attempt ${page.attempt}): exit 0 after ` +
            `${seconds(Date.now() - d.at)}; not replaced (${pool.alive().length} workers left)`,
        });
      }

      // 3. Restart the Temporal server; then more service imports.
      await waitForCalls(Math.round(need * 0.55), 'the server restart');
      {
        const d = await begin('server restart');
        const r = await stack.restartServer();
        importWave(serviceUsers.filter((_, i) => i % 2 === 1));
        await recovered({
          ...d,
          detail: `stopped in ${r.stopMs} ms, healthy ${r.startMs} ms after its start`,
        });
      }

      // 4. Restart PostgreSQL.
      await waitForCalls(Math.round(need * 0.75), 'the PostgreSQL restart');
      {
        const d = await begin('PostgreSQL restart');
        const r = await stack.restartPostgres();
        await recovered({
          ...d,
          detail: `stopped in ${r.stopMs} ms, server answering ${r.startMs} ms after its start`,
        });
      }

      const summary = await job.result();
      const jobMs = Date.now() - jobStarted;
      const closedAt = (await jobHandle.describe()).closeTime?.getTime() ?? 0;
      for (const d of disruptions) assert.ok(d.at < closedAt, `${d.what} began while the job ran`);
      const outcomes = await Promise.all((await Promise.all(handles)).map((h) => h.outcome()));
      await pool.stopAll();
      const stats = await emulator.stats();
      const fi = stats.friendImport;
      const calls = await emulator.calls();

      // What each disruption did to the job's calls, and how the page moved between workers.
      const jobCalls = calls.filter((c) => !isServiceCall(c)).sort((a, b) => a.arrivedAt - b.arrivedAt);
      disruptions.forEach((d, i) => {
        const until = disruptions[i + 1]?.at ?? Infinity;
        const window = jobCalls.filter((c) => c.arrivedAt >= d.at && c.arrivedAt < until);
        // The longest gap between the job's calls after the step (the step itself counts as a call).
        let pause = { ms: 0, from: d.at };
        let soon = 0;
        let previous = d.at;
        for (const c of window) {
          if (c.arrivedAt - previous > pause.ms) pause = { ms: c.arrivedAt - previous, from: previous };
          if (previous - d.at < 5_000) soon = Math.max(soon, c.arrivedAt - previous);
          previous = c.arrivedAt;
        }
        t.diagnostic(
          `${d.what} at ${seconds(d.at - jobStarted)} (${d.calls} calls): ${d.detail}; until the next step ` +
            `${window.length} job calls, the longest pause in them ${seconds(pause.ms)} from ${seconds(pause.from - d.at)} after the step ` +
            `(the longest starting within 5 s of it ${seconds(soon)})`,
        );
      });
      const events = (await jobHandle.fetchHistory()).events ?? [];
      const typeOf = new Map(
        events.map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name]),
      );
      let page = 0;
      const attempts = events
        .map((e) => e.activityTaskStartedEventAttributes)
        .filter((a) => !!a && typeOf.get(String(a.scheduledEventId)) === 'importPage')
        .map((a) => {
          const failure = a?.lastFailure?.message;
          return `page ${++page} attempt ${a?.attempt} on ${a?.identity}${failure ? ` (after: ${failure.slice(0, 80)})` : ''}`;
        });
      t.diagnostic(`pages, each as it finally ran: ${attempts.join('; ')}`);
      const faults: Record<string, number> = {};
      for (const c of calls) if (c.fault) faults[c.fault] = (faults[c.fault] ?? 0) + 1;
      t.diagnostic(
        `job ${seconds(jobMs)}; ${fi.calls} calls (at least ${need + serviceUsers.length} needed), ${calls.filter(isServiceCall).length} of them the service path's; ` +
          `injected ${JSON.stringify(faults)}, ${calls.filter((c) => c.aborted).length} given up by the client; ` +
          `max ${fi.maxCallsInAnyWindow} in one second, ${fi.overlaps} overlaps, ${fi.rateLimited} rate-limited`,
      );

      // The job's summary, outcome files and report.
      assert.equal(summary.state, 'completed');
      assert.deepEqual(
        [summary.items, summary.imported, summary.failed],
        [data.items, data.items - data.ghosts, data.ghosts],
      );
      assert.deepEqual(summary.failedByCode, { 30003: data.ghosts });
      const seen = new Map<string, number>();
      const failedInOutcomes: string[] = [];
      for await (const o of readOutcomes(reportPaths(jobId, report).reportDir)) {
        const count = (to: string) => {
          const key = `${o.line} ${o.fromAccount} → ${to}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        };
        o.imported.forEach(count);
        for (const f of o.failed) {
          count(f.toAccount);
          failedInOutcomes.push(`${o.line} ${o.fromAccount} → ${f.toAccount} ${f.code}`);
        }
      }
      const allItems = data.users.flatMap((u) => u.items.map((i) => `${u.line} ${u.from} → ${i.To_Account}`));
      assert.deepEqual([...seen.keys()].sort(), allItems.sort(), 'every item of the input has an outcome');
      assert.deepEqual(
        [...seen].filter(([, n]) => n !== 1),
        [],
        'and exactly one',
      );
      const ghostRows = data.users.flatMap((u) => u.ghosts.map((g) => [u.line, u.from, g, 30003] as const));
      assert.deepEqual(
        failedInOutcomes.sort(),
        ghostRows.map(([l, f, g, c]) => `${l} ${f} → ${g} ${c}`).sort(),
      );
      const rows = (await readFile(summary.reportJsonl, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ReportRow);
      assert.deepEqual(
        rows.map((r) => [r.line, r.fromAccount, r.toAccount, r.code]).sort(),
        ghostRows.map((r) => [...r]).sort(),
        'one report row per failed item',
      );

      // The service imports: every item imported.
      assert.deepEqual(
        outcomes.map((o) => [o.fromAccount, o.status, o.imported, o.failed]).sort(),
        serviceUsers.map((from) => [from, 'done', 8, 0]).sort(),
      );

      // The service's view: one writer per user, the app rate held.
      assert.equal(fi.overlaps, 0, `overlapping writes for ${fi.overlapAccounts.join(', ')}`);
      assert.ok(fi.maxCallsInAnyWindow <= RATE, `${fi.maxCallsInAnyWindow} calls in one second`);
      assert.equal(fi.rateLimited, 0);

      // The service's final state, item by item.
      await emulator.stop();
      const state = await openEmulatorState(join(dir, 'service.sqlite'));
      const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
      try {
        for (const u of data.users) {
          const expected = u.items.filter((i) => !u.ghosts.includes(i.To_Account));
          if (serviceUsers.includes(u.from)) expected.push(...serviceItems(u.from));
          diffFriends(u.from, state.friendsOf(u.from), expected, diff);
        }
      } finally {
        await state.close();
      }
      assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] });
      t.diagnostic(`suite so far ${seconds(Date.now() - suiteStarted)} (stack start included)`);
    });
  },
);
