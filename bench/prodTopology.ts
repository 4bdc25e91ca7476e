/**
 * Dataset A on the production topology: the pinned Temporal server on PostgreSQL with the deployed
 * settings (scripts/prod-stack), with 1, 2 and 3 `friend-import worker` processes, each run beside
 * the same job on the CLI's dev server (cli/stack/stack.ts) through the same code: the same
 * worker processes configured by environment, the emulator in its own process enforcing the rate,
 * one bulk job started with startBulkJob. A fresh stack for every run.
 *
 *   node --import tsx bench/prodTopology.ts [--scale 1] [--seed 1] [--workers 1,2,3]
 *        [--topology both|prod|dev] [--rate 200] [--concurrency 100] [--latency-ms 20]
 *        [--page-lines N] [--runtime dist|tsx]
 *
 * Prints, per run and then as one table: the ratio to the ceiling, the max 1-s window, Temporal's
 * cost per friend_import call (history events, billable actions) and CPU per call of the server,
 * PostgreSQL and the workers. The legend printed at the top says how each figure is taken.
 */
import type { Client } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBulkJob } from '../client/bulkJobs.js';
import type { JobSummary } from '../core/jobTypes.js';
import { LOCAL_IM_APP } from '../config/im.js';
import { startProdStack } from '../scripts/prod-stack/stack.js';
import { diffFriends, openEmulatorState, type StateDiff } from '../test/support/emulatorState.js';
import { spawnEmulator } from '../test/support/remoteEmulator.js';
import { startStack } from '../cli/stack/stack.js';
import { connectTarget, workerEnv, workerProcesses } from '../cli/stack/workerProcesses.js';
import { bulkJobWorkflowId, coordinatorWorkflowId } from '../core/definitions.js';
import { cliEntry } from '../cli/stack/temporalCli.js';
import { presetSpec, usersOf, writeDataset, type DatasetFiles } from './dataset.js';
import { commit, diffCounts, frontendRequests, load, machine } from './probe.js';
import { typeOf } from './timeline.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1,2,3' },
    topology: { type: 'string', default: 'both' },
    rate: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '100' },
    'latency-ms': { type: 'string', default: '20' },
    'page-lines': { type: 'string' },
    runtime: { type: 'string', default: 'dist' },
  },
});

type Topology = 'prod' | 'dev';
const topologies: Topology[] =
  args.topology === 'both' ? ['prod', 'dev'] : args.topology === 'dev' ? ['dev'] : ['prod'];
if (!['both', 'prod', 'dev'].includes(args.topology ?? ''))
  throw new Error(`--topology must be both, prod or dev, not ${args.topology}`);
const workerCounts = (args.workers ?? '').split(',').map(Number);
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(`--workers must list whole numbers ≥ 1, e.g. 1,2,3`);
const rate = Number(args.rate);
const scale = Number(args.scale);
const seed = Number(args.seed);
const concurrency = Number(args.concurrency);
const latencyMs = Number(args['latency-ms']);
const pageLines = args['page-lines'] ? Number(args['page-lines']) : undefined;
const BATCH = 1000;
const TASK_QUEUE = 'friend-import';

// Workers and the emulator run as they ship (compiled, with the prebuilt workflow bundle) unless
// `--runtime tsx`; the build comes first so that dist/ is the code of the sources measured.
process.env.FRIEND_IMPORT_BENCH_RUNTIME = args.runtime === 'tsx' ? 'tsx' : 'dist';
const compiled = process.env.FRIEND_IMPORT_BENCH_RUNTIME === 'dist';
if (compiled) {
  const built = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 2, 2] });
  if (built.status !== 0) throw new Error('npm run build failed (or run with --runtime tsx)');
}
const workerEntry = cliEntry();

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const out: string[] = [];
const print = (text: string): void => {
  console.log(text);
  out.push(text);
};

// ---- CPU from /proc -------------------------------------------------------------------------

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime, stime, cutime, cstime and the parent of one process, in ms (cutime/cstime: its reaped children). */
function stat(pid: number): { own: number; reaped: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      own: (Number(f[11]) + Number(f[12])) * TICK_MS,
      reaped: (Number(f[13]) + Number(f[14])) * TICK_MS,
      ppid: Number(f[1]),
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU ms of a process and all its descendants so far: the live ones' own time, plus what the
 * parents collected from children that have exited (PostgreSQL's backends and autovacuum workers
 * come and go; the postmaster reaps them).
 */
function treeCpuMs(root: number | undefined): number {
  if (root === undefined) return 0;
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) parents.set(Number(name), s.ppid);
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, i = 0; p !== undefined && p > 1 && i < 64; i++) {
      if (p === root) return true;
      p = parents.get(p);
    }
    return false;
  };
  let total = 0;
  for (const pid of parents.keys())
    if (inTree(pid)) {
      const s = stat(pid);
      if (s) total += s.own + s.reaped;
    }
  return total;
}

// ---- Temporal's cost, from histories and the server's metrics ---------------------------------

interface HistoryCount {
  workflowId: string;
  runs: number;
  events: number;
  starts: number;
  signals: number;
  updates: number;
  activityAttempts: number;
  timers: number;
  upserts: number;
}

async function countHistory(
  client: Client,
  workflowId: string,
  expectClosed: boolean,
): Promise<HistoryCount> {
  const c: HistoryCount = {
    workflowId,
    runs: 0,
    events: 0,
    starts: 0,
    signals: 0,
    updates: 0,
    activityAttempts: 0,
    timers: 0,
    upserts: 0,
  };
  // Visibility may trail the histories by a moment: wait until the last run is listed as closed.
  let runIds: string[] = [];
  for (let i = 0; i < 100; i++) {
    const listed: { runId: string; closed: boolean }[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      listed.push({ runId: w.runId, closed: w.status.name !== 'RUNNING' });
    runIds = listed.map((w) => w.runId);
    if (listed.length > 0 && (!expectClosed || listed.every((w) => w.closed))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const runId of runIds) {
    c.runs++;
    for (const e of (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? []) {
      c.events++;
      const type = typeOf(e);
      if (type === 'WORKFLOW_EXECUTION_STARTED') c.starts++;
      else if (type === 'WORKFLOW_EXECUTION_SIGNALED') c.signals++;
      else if (type === 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED') c.updates++;
      // A started event is written once per activity, carrying how many attempts it took.
      else if (type === 'ACTIVITY_TASK_STARTED')
        c.activityAttempts += e.activityTaskStartedEventAttributes?.attempt ?? 1;
      else if (type === 'TIMER_STARTED') c.timers++;
      else if (type === 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') c.upserts++;
    }
  }
  return c;
}

const HEARTBEAT_OPS = ['RecordActivityTaskHeartbeat', 'RecordActivityTaskHeartbeatById'];

// ---- One run ---------------------------------------------------------------------------------

interface RunFigures {
  topology: Topology;
  workers: number;
  users: number;
  items: number;
  callsMin: number;
  calls: number;
  elapsedMs: number;
  ratio: number;
  maxWindow: number;
  overlaps: number;
  rateLimited: number;
  summary: Pick<JobSummary, 'state' | 'items' | 'imported' | 'failed'>;
  state: StateDiff;
  histories: HistoryCount[];
  frontend: Record<string, number>;
  heartbeats: number;
  queries: number;
  actions: number;
  actionsWithQueries: number;
  cpuMs: { server: number; postgres?: number; workers: number; emulator: number };
  wallMs: number;
  loadBefore: string;
}

interface Backend {
  address: string;
  namespace: string;
  metricsUrl: string;
  serverPid(): number | undefined;
  postgresPid(): number | undefined;
  stop(): Promise<void>;
}

async function startBackend(topology: Topology): Promise<Backend> {
  if (topology === 'prod') {
    const stack = await startProdStack({ log: (l) => log(`  [prod-stack] ${l}`) });
    return {
      address: stack.address,
      namespace: stack.namespace,
      metricsUrl: stack.metricsUrl,
      serverPid: () => stack.pids().server,
      postgresPid: () => stack.pids().postgres,
      stop: () => stack.stop(),
    };
  }
  // The dev server the tests use (its SQLite in memory, in its own process); no in-process worker.
  const stack = await startStack({ worker: false, rateLimit: rate, batchSize: BATCH });
  return {
    address: stack.devServer.address,
    namespace: stack.devServer.namespace,
    metricsUrl: stack.devServer.metricsUrl,
    serverPid: () => stack.devServer.pid,
    postgresPid: () => undefined,
    stop: () => stack.stop(),
  };
}

async function run(files: DatasetFiles, topology: Topology, workers: number): Promise<RunFigures> {
  const m = files.manifest;
  const dir = await mkdtemp(join(tmpdir(), 'bench-prod-topology-'));
  const loadBefore = load();
  const emulatorDb = join(dir, 'emulator.sqlite');
  const emulator = await spawnEmulator({
    accountsFile: files.accounts,
    rateLimit: rate,
    writeLatencyMs: latencyMs,
    db: emulatorDb,
  });
  let backend: Backend | undefined;
  let pool: ReturnType<typeof workerProcesses> | undefined;
  let connection: Awaited<ReturnType<typeof connectTarget>>['connection'] | undefined;
  try {
    backend = await startBackend(topology);
    const settings = {
      address: backend.address,
      namespace: backend.namespace,
      taskQueue: TASK_QUEUE,
      imBaseUrl: emulator.baseUrl,
      rateLimit: rate,
      batchSize: BATCH,
    };
    const target = await connectTarget(settings);
    connection = target.connection;
    const workerPool = workerProcesses(workerEnv(settings), { entry: workerEntry });
    pool = workerPool;
    await Promise.all(Array.from({ length: workers }, () => workerPool.spawn()));
    const b = backend;
    const cpu = () => ({
      server: treeCpuMs(b.serverPid()),
      postgres: topology === 'prod' ? treeCpuMs(b.postgresPid()) : undefined,
      workers: workerPool.alive().reduce((n, w) => n + treeCpuMs(w.pid), 0),
      emulator: treeCpuMs(emulator.pid),
    });

    const metricsBefore = await frontendRequests(backend.metricsUrl);
    const cpuBefore = cpu();
    const t0 = performance.now();
    const jobId = `bench-prod-topology-${topology}-${workers}w-${Date.now()}`;
    const job = await startBulkJob(
      { client: target.client, taskQueue: TASK_QUEUE },
      {
        jobId,
        path: files.jsonl,
        format: 'jsonl',
        report: join(dir, 'report.jsonl'),
        concurrency,
        ...(pageLines && { pageLines }),
      },
    );
    const ticker = setInterval(() => {
      void job.progress().then(
        (p) =>
          log(
            `  ${topology} ${workers}w ${((performance.now() - t0) / 1000).toFixed(0)} s: ${p.calls} calls, ` +
              `${p.imported}/${m.items} imported`,
          ),
        () => undefined,
      );
    }, 10_000);
    const summary = await job.result().finally(() => clearInterval(ticker));
    const elapsedMs = performance.now() - t0;
    const cpuAfter = cpu();
    const metricsAfter = await frontendRequests(backend.metricsUrl);
    const stats = (await emulator.stats()).friendImport;
    const histories = [
      await countHistory(target.client, bulkJobWorkflowId(jobId), true),
      await countHistory(target.client, coordinatorWorkflowId(LOCAL_IM_APP.sdkAppId), false),
    ];
    const frontend = diffCounts(metricsAfter, metricsBefore);
    const heartbeats = HEARTBEAT_OPS.reduce((n, op) => n + (frontend[op] ?? 0), 0);
    const queries = frontend.QueryWorkflow ?? 0;
    const sum = (k: keyof Omit<HistoryCount, 'workflowId'>) => histories.reduce((n, h) => n + h[k], 0);
    const actions =
      sum('starts') + sum('signals') + sum('updates') + sum('activityAttempts') + heartbeats + sum('timers');
    const figures: RunFigures = {
      topology,
      workers,
      users: m.users,
      items: m.items,
      callsMin: m.callsMin,
      calls: stats.calls,
      elapsedMs,
      ratio: m.callsMin / rate / (elapsedMs / 1000),
      maxWindow: stats.maxCallsInAnyWindow,
      overlaps: stats.overlaps,
      rateLimited: stats.rateLimited,
      summary: {
        state: summary.state,
        items: summary.items,
        imported: summary.imported,
        failed: summary.failed,
      },
      state: { missing: 0, unexpected: 0, examples: [] },
      histories,
      frontend,
      heartbeats,
      queries,
      actions,
      actionsWithQueries: actions + queries + sum('upserts'),
      cpuMs: {
        server: cpuAfter.server - cpuBefore.server,
        ...(cpuAfter.postgres !== undefined && { postgres: cpuAfter.postgres - (cpuBefore.postgres ?? 0) }),
        workers: cpuAfter.workers - cpuBefore.workers,
        emulator: cpuAfter.emulator - cpuBefore.emulator,
      },
      wallMs: elapsedMs,
      loadBefore,
    };
    await workerPool.stopAll();
    await emulator.stop();
    // The emulator's final state, item by item, against the dataset.
    const state = await openEmulatorState(emulatorDb);
    try {
      for (const u of usersOf(m.spec)) diffFriends(u.from, state.friendsOf(u.from), u.items, figures.state);
    } finally {
      await state.close();
    }
    return figures;
  } finally {
    await pool?.stopAll(10_000);
    await connection?.close();
    await backend?.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- Printing --------------------------------------------------------------------------------

const f2 = (n: number) => n.toFixed(2);
const f1 = (n: number) => n.toFixed(1);
const name = (t: Topology) => (t === 'prod' ? 'server+PostgreSQL' : 'dev server');

function formatRun(r: RunFigures): string {
  const s = r.elapsedMs / 1000;
  const per = (n: number) => f2(n / r.calls);
  const events = r.histories.reduce((n, h) => n + h.events, 0);
  const cpu = r.cpuMs;
  const top = Object.entries(r.frontend)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const wrong =
    r.summary.state !== 'completed' ||
    r.summary.imported !== r.items ||
    r.state.missing + r.state.unexpected > 0 ||
    r.overlaps > 0 ||
    r.maxWindow > rate ||
    r.rateLimited > 0;
  return [
    `${name(r.topology)}, ${r.workers} worker process(es) — load before ${r.loadBefore}`,
    `  calls ${r.calls} (calls_min ${r.callsMin}); ceiling ${f1(r.callsMin / rate)} s; elapsed ${f1(s)} s; ` +
      `ratio ${f2(r.ratio)}; max calls in any 1-s window ${r.maxWindow} (rate ${rate}); overlaps ${r.overlaps}; rate-limited ${r.rateLimited}`,
    `  job ${r.summary.state}: ${r.summary.imported}/${r.items} imported, ${r.summary.failed} failed; emulator state: ` +
      `${r.state.missing} missing or different, ${r.state.unexpected} unexpected${wrong ? '  [RUN INVALID]' : ''}`,
    `  per friend_import call: ${per(events)} history events, ${per(r.actions)} billable actions ` +
      `(${per(r.actionsWithQueries)} counting queries and search-attribute upserts too)`,
    `  actions: ${r.histories
      .map(
        (h) =>
          `${h.workflowId.replace(/:.*$/, '')} ${h.runs} run(s), ${h.events} events: starts ${h.starts}, signals ${h.signals}, ` +
          `updates ${h.updates}, activity attempts ${h.activityAttempts}, timers ${h.timers}, upserts ${h.upserts}`,
      )
      .join('; ')}; heartbeats that reached the server ${r.heartbeats}; queries ${r.queries}`,
    `  CPU per call (ms): server ${f2(cpu.server / r.calls)}` +
      (cpu.postgres !== undefined ? `, PostgreSQL ${f2(cpu.postgres / r.calls)}` : '') +
      `, workers ${f2(cpu.workers / r.calls)}, emulator ${f2(cpu.emulator / r.calls)}; ` +
      `cores busy: server ${f2(cpu.server / r.wallMs)}` +
      (cpu.postgres !== undefined ? `, PostgreSQL ${f2(cpu.postgres / r.wallMs)}` : '') +
      `, workers ${f2(cpu.workers / r.wallMs)}`,
    `  frontend requests: ${top}`,
  ].join('\n');
}

function formatTable(runs: RunFigures[]): string {
  const head =
    '| topology | workers | elapsed s | ratio | max 1-s window | events/call | actions/call | actions+queries/call | server ms/call | PostgreSQL ms/call | workers ms/call |';
  const sep = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows = runs.map((r) => {
    const per = (n: number) => f2(n / r.calls);
    return `| ${name(r.topology)} | ${r.workers} | ${f1(r.elapsedMs / 1000)} | ${f2(r.ratio)} | ${r.maxWindow} | ${per(
      r.histories.reduce((n, h) => n + h.events, 0),
    )} | ${per(r.actions)} | ${per(r.actionsWithQueries)} | ${per(r.cpuMs.server)} | ${
      r.cpuMs.postgres !== undefined ? per(r.cpuMs.postgres) : '—'
    } | ${per(r.cpuMs.workers)} |`;
  });
  return [head, sep, ...rows].join('\n');
}

// ---- Main ------------------------------------------------------------------------------------

const started = new Date();
const files = await writeDataset(presetSpec('A', seed, scale));
const m = files.manifest;
print(`# Dataset A on the production topology, ${started.toISOString()}`);
print(`command: node --import tsx bench/prodTopology.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
print(`commit: ${commit()}`);
print(`machine: ${machine()}`);
print(`load average before: ${load()}`);
print(
  `dataset ${m.spec.name} (seed ${seed}, scale ${scale}): ${m.users} users, ${m.items} items, calls_min ${m.callsMin}; ` +
    `IM_RATE_LIMIT=${rate} IM_BATCH_SIZE=${BATCH} on every worker; bulk concurrency ${concurrency}` +
    (pageLines ? `, pages of ${pageLines} lines` : ', default pages') +
    `; emulator in its own process: rate limit ${rate}/s, ${latencyMs} ms held per write; ` +
    `workers ${compiled ? 'compiled (dist/)' : 'from the sources (tsx)'}`,
);
print(
  [
    'legend:',
    '  server+PostgreSQL = the pinned Temporal server on a throw-away PostgreSQL cluster with deploy/temporal/ settings;',
    '  dev server = `temporal server start-dev` (SQLite in memory), as the tests use it. A fresh stack per run.',
    '  ratio = (calls_min / rate) ÷ elapsed: 1.00 would be every call at the vendor rate with no overhead;',
    '  elapsed = from starting the job to its result. calls = friend_import requests the emulator received.',
    '  history events = every event of every run of the job workflow and of the app coordinator',
    '    (friend-import-coordinator:<SDKAppID>), read back from the server after the job.',
    '  billable actions = workflow starts (runs, continue-as-new included) + signals + accepted updates',
    '    + activity attempts + timers, from those histories, + activity heartbeats that reached the server',
    '    (RecordActivityTaskHeartbeat* requests in its Prometheus metrics). Temporal Cloud also bills queries',
    '    (the page asks its job for pause/cancel every 0.4 s) and search-attribute upserts: the second figure.',
    '  CPU = user + system time from /proc over the job: the server process; PostgreSQL = the postmaster and',
    '    all its children, plus the children it reaped; the worker processes; per call = ms ÷ calls.',
  ].join('\n'),
);

const runs: RunFigures[] = [];
for (const workers of workerCounts)
  for (const topology of topologies) {
    log(`running ${m.spec.name} on the ${name(topology)} with ${workers} worker process(es) …`);
    const r = await run(files, topology, workers);
    runs.push(r);
    print(formatRun(r));
  }
print('');
print(formatTable(runs));
print(`load average after: ${load()}`);

const invalid = runs.filter(
  (r) =>
    r.summary.state !== 'completed' ||
    r.summary.imported !== r.items ||
    r.state.missing + r.state.unexpected > 0 ||
    r.overlaps > 0 ||
    r.maxWindow > rate ||
    r.rateLimited > 0,
);
if (invalid.length > 0) {
  log(`RESULT INVALID: ${invalid.map((r) => `${name(r.topology)} ${r.workers}w`).join(', ')}`);
  process.exitCode = 1;
}
const saveDir = resolve(import.meta.dirname, '..', '.data', 'bench');
await mkdir(saveDir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
await writeFile(join(saveDir, `prod-topology-${stamp}.txt`), out.join('\n') + '\n');
await writeFile(join(saveDir, `prod-topology-${stamp}.json`), JSON.stringify(runs, null, 2));
log(`figures saved in ${join(saveDir, `prod-topology-${stamp}.txt`)}`);
