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
 *
 * Each test is one step of that run, in order (start, each disruption, the end, each check), so a
 * failure names what broke; a step that needs an earlier one's result says so when it is missing.
 */
import type { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reportPaths, startBulkJob } from '../../client/bulkJobs.js';
import { importFriends, type ImportTarget, type UserImportHandle } from '../../client/userImports.js';
import type { FriendImportCall } from '../../emulator/index.js';
import type { AddFriendItem } from '../../im/schemas.js';
import { startProdStack, type ProdStack } from '../../scripts/prod-stack/stack.js';
import { bulkJobWorkflowId } from '../../core/definitions.js';
import { chaosData, chaosFaults, minCalls, type ChaosUser } from '../support/chaosData.js';
import { friendItems, submitted } from '../support/data.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';
import { killHard } from '../../cli/stack/stack.js';
import {
  connectTarget,
  workerEnv,
  workerProcesses,
  type WorkerProcesses,
} from '../../cli/stack/workerProcesses.js';
import { readRows } from './cliHelpers.js';
import {
  callsDiagnostic,
  diffStoredFriends,
  disruptionEffects,
  needs,
  outcomeCounts,
  pageAttempts,
  seconds,
  watchJob,
  type End,
  type Run,
} from './prodTopologyHelpers.js';

const SEED = Number(process.env.PROD_TOPOLOGY_SEED ?? 20_261_203);
const RATE = 50;
const WORKERS = 3;
const TASK_QUEUE = 'friend-import';

const FAULTS = chaosFaults(SEED, 0.004);

describe(
  'production topology: faults, a SIGKILL, a SIGTERM drain, server and PostgreSQL restarts',
  { timeout: 240_000 },
  () => {
    // 1,100 small users and 12 that need two or three calls; some items name unknown accounts (30003).
    const data = chaosData(SEED, 1_100, 12, 20_000);
    const serviceUsers = data.users.filter((_, i) => i % 100 === 40).map((u) => u.from);
    const serviceItems = (from: string): AddFriendItem[] => friendItems(8, `${from}-svc`);
    const isServiceCall = (c: FriendImportCall) => c.toAccounts.some((to) => to.includes('-svc'));
    /** What the service must hold for a user of the input in the end. */
    const expected = (u: ChaosUser): AddFriendItem[] => [
      ...u.items.filter((i) => !u.ghosts.includes(i.To_Account)),
      ...(serviceUsers.includes(u.from) ? serviceItems(u.from) : []),
    ];
    const ghostRows = data.users.flatMap((u) => u.ghosts.map((g) => [u.line, u.from, g, 30003] as const));
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

    let run: Run | undefined;
    let end: End | undefined;
    const started = (): Run => needs(run, 'the job started');
    const ended = (): End => needs(end, 'the job and the service imports ended');
    const handles: Promise<UserImportHandle>[] = [];
    const importWave = (users: readonly string[]) => {
      for (const from of users)
        handles.push(
          importFriends(target, from, submitted(serviceItems(from)), { submissionId: `svc-${from}` }),
        );
    };
    /** Waits until the job made `share` of the calls it needs, so that `what` meets it mid-run. */
    const reach = (share: number, what: string): Promise<number> => {
      const { watch, need } = started();
      return watch.waitForCalls(Math.round(need * share), `the ${what}`);
    };

    it('starts the job; service imports write for some of its users while it writes', async (t) => {
      assert.ok(stack && service && workers);
      const input = join(dir, 'input.jsonl');
      await writeFile(input, data.jsonl);
      const jobId = `prod-topology-${SEED}`;
      const report = join(dir, 'job', 'report.jsonl');
      const startedAt = Date.now();
      const job = await startBulkJob(
        { client, taskQueue: TASK_QUEUE },
        // Pages of 500 lines: the job moves from page to page (and worker to worker) as it would.
        { jobId, path: input, format: 'jsonl', report, pageLines: 500 },
      );
      const workflow = client.workflow.getHandle(bulkJobWorkflowId(jobId));
      const need = minCalls(data);
      t.diagnostic(
        `${data.users.length} users, ${data.items} items (${data.ghosts} unknown), at least ${need} calls at ${RATE}/s; ` +
          `${serviceUsers.length} users also imported through user imports`,
      );
      const watch = watchJob(job, workflow, service, workers);
      run = { stack, service, pool: workers, job, workflow, jobId, report, startedAt, need, watch };

      await reach(0.05, 'first service imports');
      importWave(serviceUsers.filter((_, i) => i % 2 === 0));
    });

    it('a worker SIGKILLed while it runs the page is replaced, and the job goes on', async () => {
      const { pool, watch } = started();
      await reach(0.12, 'SIGKILL');
      const page = await watch.pageWorker();
      const d = await watch.begin('SIGKILL');
      await killHard(page.child);
      await pool.spawn();
      await watch.recovered({
        ...d,
        detail: `killed ${page.identity}, which ran the page (attempt ${page.attempt}); a fresh worker replaced it`,
      });
    });

    it('the worker running the page next drains on SIGTERM and exits 0; the job goes on without it', async () => {
      const { pool, watch } = started();
      await reach(0.35, 'SIGTERM');
      const page = await watch.pageWorker();
      const d = await watch.begin('SIGTERM');
      const exited = once(page.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      page.child.kill('SIGTERM');
      // Bounded: a drain that hangs fails this test rather than the whole suite.
      const bound = setTimeout(() => page.child.kill('SIGKILL'), 90_000);
      const [code, signal] = await exited;
      clearTimeout(bound);
      const output = pool.outputOf(page.child).slice(-2000);
      assert.equal(signal, null, `the drained worker had to be killed:\n${output}`);
      assert.equal(code, 0, `the drained worker exits 0:\n${output}`);
      await watch.recovered({
        ...d,
        detail:
          `drained ${page.identity}, which ran the page (attempt ${page.attempt}): exit 0 after ` +
          `${seconds(Date.now() - d.at)}; not replaced (${pool.alive().length} workers left)`,
      });
    });

    it('the job goes on across a Temporal server restart, with more service imports after it', async () => {
      const { stack, watch } = started();
      await reach(0.55, 'server restart');
      const d = await watch.begin('server restart');
      const r = await stack.restartServer();
      importWave(serviceUsers.filter((_, i) => i % 2 === 1));
      await watch.recovered({
        ...d,
        detail: `stopped in ${r.stopMs} ms, healthy ${r.startMs} ms after its start`,
      });
    });

    it('the job goes on across a PostgreSQL restart', async () => {
      const { stack, watch } = started();
      await reach(0.75, 'PostgreSQL restart');
      const d = await watch.begin('PostgreSQL restart');
      const r = await stack.restartPostgres();
      await watch.recovered({
        ...d,
        detail: `stopped in ${r.stopMs} ms, server answering ${r.startMs} ms after its start`,
      });
    });

    it('the job and every service import end', async (t) => {
      const { job, workflow, service, pool, startedAt, need, watch } = started();
      const summary = await job.result();
      const jobMs = Date.now() - startedAt;
      const closedAt = (await workflow.describe()).closeTime?.getTime() ?? 0;
      const outcomes = await Promise.all((await Promise.all(handles)).map((h) => h.outcome()));
      await pool.stopAll();
      const fi = (await service.stats()).friendImport;
      const calls = await service.calls();
      end = { summary, closedAt, outcomes, fi };

      // What each disruption did to the job's calls, and how the page moved between workers.
      const jobCalls = calls.filter((c) => !isServiceCall(c)).sort((a, b) => a.arrivedAt - b.arrivedAt);
      for (const line of disruptionEffects(watch.disruptions, jobCalls, startedAt)) t.diagnostic(line);
      t.diagnostic(`pages, each as it finally ran: ${(await pageAttempts(workflow)).join('; ')}`);
      t.diagnostic(callsDiagnostic({ jobMs, needed: need + serviceUsers.length, calls, isServiceCall, fi }));
    });

    it('each disruption began while the job ran', () => {
      const { watch } = started();
      const { closedAt } = ended();
      assert.deepEqual(
        watch.disruptions.map((d) => d.what),
        ['SIGKILL', 'SIGTERM', 'server restart', 'PostgreSQL restart'],
        'every disruption happened',
      );
      for (const d of watch.disruptions) assert.ok(d.at < closedAt, `${d.what} began while the job ran`);
    });

    it('the job completes, every item imported but those for unknown accounts (30003)', () => {
      const { summary } = ended();
      assert.equal(summary.state, 'completed');
      assert.deepEqual(
        [summary.items, summary.imported, summary.failed],
        [data.items, data.items - data.ghosts, data.ghosts],
      );
      assert.deepEqual(summary.failedByCode, { 30003: data.ghosts });
    });

    it('every item of the input has exactly one outcome in the outcome files', async () => {
      const { jobId, report } = started();
      ended(); // the outcome files are whole only once the job ended
      const { perItem, failed } = await outcomeCounts(reportPaths(jobId, report).reportDir);
      const allItems = data.users.flatMap((u) => u.items.map((i) => `${u.line} ${u.from} → ${i.To_Account}`));
      assert.deepEqual([...perItem.keys()].sort(), allItems.sort(), 'every item of the input has an outcome');
      assert.deepEqual(
        [...perItem].filter(([, n]) => n !== 1),
        [],
        'and exactly one',
      );
      assert.deepEqual(failed.sort(), ghostRows.map(([l, f, g, c]) => `${l} ${f} → ${g} ${c}`).sort());
    });

    it('every failed item has exactly one report row', async () => {
      const { summary } = ended();
      const rows = readRows(await readFile(summary.reportJsonl, 'utf8'));
      assert.deepEqual(
        rows.map((r) => [r.line, r.fromAccount, r.toAccount, r.code]).sort(),
        ghostRows.map((r) => [...r]).sort(),
        'one report row per failed item',
      );
    });

    it('every service import ends with all its items imported', () => {
      const { outcomes } = ended();
      assert.deepEqual(
        outcomes.map((o) => [o.fromAccount, o.status, o.imported, o.failed]).sort(),
        serviceUsers.map((from) => [from, 'done', 8, 0]).sort(),
      );
    });

    it('no two writes for one user overlapped', () => {
      const { fi } = ended();
      assert.equal(fi.overlaps, 0, `overlapping writes for ${fi.overlapAccounts.join(', ')}`);
    });

    it('no 1-second window went over the rate, and nothing was refused for the rate', () => {
      const { fi } = ended();
      assert.ok(fi.maxCallsInAnyWindow <= RATE, `${fi.maxCallsInAnyWindow} calls in one second`);
      assert.equal(fi.rateLimited, 0);
    });

    it('the service holds exactly what the input and the service imports must produce, item by item', async (t) => {
      const { service } = started();
      ended(); // nothing writes any more: the state is read from the stopped service's database
      await service.stop();
      const diff = await diffStoredFriends(
        join(dir, 'service.sqlite'),
        data.users.map((u) => [u.from, expected(u)] as const),
      );
      assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] });
      t.diagnostic(`suite so far ${seconds(Date.now() - suiteStarted)} (stack start included)`);
    });
  },
);
