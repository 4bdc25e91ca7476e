/**
 * S: the service path as a service uses it (bench/RESULTS.md). Every user of a dataset is imported
 * through the library's `importFriends`, a fixed number of submissions in flight, each awaited to
 * its `outcome()`; a fresh stack (dev server, one `friend-import worker` process, the emulator in
 * its own process). Prints the ratio to the ceiling, the cost in history events, billable actions
 * and CPU per call, and the latency of an import from its submission to its outcome.
 */
import type { Client } from '@temporalio/client';
import { importFriends } from '../client/userImports.js';
import { coordinatorWorkflowId } from '../core/definitions.js';
import { usersOf, type DatasetFiles, type UserRecord } from './dataset.js';
import { diffCounts, frontendRequests } from './probe.js';
import { startBenchStack, verifyState, type Sample } from './stackRun.js';
import { typeOf } from './timeline.js';
import type { ImportTarget } from '../client/userImports.js';
import type { RunFigures } from './throughput.js';

export interface ServiceRunOptions {
  rate: number;
  batchSize: number;
  writeLatencyMs: number;
  /** Imports awaited at once. */
  inFlight: number;
  /** `--cpu-prof` the worker into this folder. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

export interface HistoryCost {
  runs: number;
  events: number;
  bytes: number;
  byType: Record<string, number>;
  /** Billable actions read from the histories (see `actionsOf`). */
  actions: Record<string, number>;
}

/** The figures a run shares with the bulk runs (bench/throughput.ts), and the user imports' own. */
export interface ServiceFigures extends Pick<
  RunFigures,
  | 'dataset'
  | 'users'
  | 'items'
  | 'callsMin'
  | 'calls'
  | 'elapsedMs'
  | 'maxWindow'
  | 'overlaps'
  | 'rateLimited'
  | 'imported'
  | 'failed'
  | 'state'
> {
  /** CPU ms per friend_import call, per process (client = this benchmark process). */
  cpuPerCallMs: Record<string, number>;
  users_: HistoryCost;
  coordinator: HistoryCost;
  frontend: Record<string, number>;
  latencyMs: Percentiles;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? 0;
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? 0 };
}

/**
 * Billable actions of one history, as Temporal Cloud counts them: a run started (a start or a
 * continue-as-new), each accepted update, each signal, each timer, each activity attempt, and the
 * local activities completed in one workflow task together.
 */
export function actionsOf(types: readonly string[], activityAttempts: number[]): Record<string, number> {
  const a = { starts: 0, updates: 0, signals: 0, timers: 0, activities: 0, localActivityTasks: 0 };
  let markerInTask = false;
  for (const t of types) {
    if (t === 'WORKFLOW_EXECUTION_STARTED') a.starts++;
    if (t === 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED') a.updates++;
    if (t === 'WORKFLOW_EXECUTION_SIGNALED') a.signals++;
    if (t === 'TIMER_STARTED') a.timers++;
    if (t === 'MARKER_RECORDED') markerInTask = true;
    if (t === 'WORKFLOW_TASK_COMPLETED' || t === 'WORKFLOW_EXECUTION_COMPLETED') {
      if (markerInTask) a.localActivityTasks++;
      markerInTask = false;
    }
  }
  if (markerInTask) a.localActivityTasks++;
  a.activities = activityAttempts.reduce((n, x) => n + x, 0);
  return a;
}

/** Every run of the workflows the query finds: events, bytes, event types and actions. */
export async function historyCost(client: Client, query: string): Promise<HistoryCost> {
  const cost: HistoryCost = { runs: 0, events: 0, bytes: 0, byType: {}, actions: {} };
  const runs: { id: string; runId: string }[] = [];
  for await (const w of client.workflow.list({ query })) {
    cost.runs++;
    // Visibility has a run's length once it closed; an open one (the coordinator) is asked.
    const open = w.status.name === 'RUNNING';
    const d = open ? await client.workflow.getHandle(w.workflowId, w.runId).describe() : w;
    cost.events += d.historyLength;
    cost.bytes += d.historySize ?? 0;
    runs.push({ id: w.workflowId, runId: w.runId });
  }
  const queue = [...runs];
  const one = async (): Promise<void> => {
    for (let r = queue.pop(); r; r = queue.pop()) {
      const events = (await client.workflow.getHandle(r.id, r.runId).fetchHistory()).events ?? [];
      const types = events.map(typeOf);
      for (const t of types) cost.byType[t] = (cost.byType[t] ?? 0) + 1;
      const attempts = events
        .filter((e) => typeOf(e) === 'ACTIVITY_TASK_STARTED')
        .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 1);
      for (const [k, v] of Object.entries(actionsOf(types, attempts)))
        cost.actions[k] = (cost.actions[k] ?? 0) + v;
    }
  };
  await Promise.all(Array.from({ length: 16 }, one));
  return cost;
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function pool<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const it = items[Symbol.iterator]();
  const lane = async (): Promise<void> => {
    for (let n = it.next(); !n.done; n = it.next()) await work(n.value);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

/** One user through the library, as a service would: submit, then await this call's outcome. */
export async function importOne(
  target: ImportTarget,
  u: UserRecord,
  submissionId: string,
): Promise<{ ms: number; imported: number; failed: number }> {
  const t0 = performance.now();
  const handle = await importFriends(
    target,
    u.from,
    u.items.map((item) => ({ item })),
    { submissionId },
  );
  const outcome = await handle.outcome();
  return { ms: performance.now() - t0, imported: outcome.imported, failed: outcome.failed };
}

function cpuPerCall(
  before: Sample,
  after: Sample,
  calls: number,
  clientCpuMs: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, a] of Object.entries(after.procs)) {
    const b = before.procs[name];
    if (a && b) out[name] = (a.cpuMs - b.cpuMs) / calls;
  }
  out.client = clientCpuMs / calls;
  return out;
}

export async function runServiceImports(files: DatasetFiles, o: ServiceRunOptions): Promise<ServiceFigures> {
  const spec = files.manifest.spec;
  const bench = await startBenchStack({
    accountsFile: files.accounts,
    rate: o.rate,
    batchSize: o.batchSize,
    writeLatencyMs: o.writeLatencyMs,
    workers: 1,
    cpuProfDir: o.cpuProfDir,
  });
  const stack = bench.stack!;
  let figures: ServiceFigures;
  try {
    const before = await bench.sample();
    const cpu0 = process.cpuUsage();
    const latencies: number[] = [];
    let imported = 0;
    let failed = 0;
    const t0 = performance.now();
    const ticker = setInterval(
      () => o.log(`  S ${((performance.now() - t0) / 1000).toFixed(0)} s: ${latencies.length} imports done`),
      10_000,
    );
    try {
      await pool(usersOf(spec), o.inFlight, async (u) => {
        const r = await importOne(stack.target, u, `bench-s-${u.from}`);
        latencies.push(r.ms);
        imported += r.imported;
        failed += r.failed;
      });
    } finally {
      clearInterval(ticker);
    }
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const after = await bench.sample();
    const em = after.emulator.friendImport;
    // The server reports its request counters about once a second: read them once they caught up.
    await new Promise((r) => setTimeout(r, 2_500));
    const frontend = diffCounts(await frontendRequests(stack.devServer.metricsUrl), before.frontend);
    figures = {
      dataset: spec.name,
      users: files.manifest.users,
      items: files.manifest.items,
      callsMin: files.manifest.callsMin,
      calls: em.calls,
      elapsedMs,
      maxWindow: em.maxCallsInAnyWindow,
      overlaps: em.overlaps,
      rateLimited: em.rateLimited,
      imported,
      failed,
      state: { missing: 0, unexpected: 0, examples: [] },
      cpuPerCallMs: cpuPerCall(before, after, em.calls, (cpu.user + cpu.system) / 1000),
      users_: await historyCost(stack.client, `WorkflowType = 'ImportFriendsWorkflow'`),
      coordinator: await historyCost(
        stack.client,
        `WorkflowId = '${coordinatorWorkflowId(stack.im.sdkAppId)}'`,
      ),
      frontend,
      latencyMs: percentiles(latencies),
    };
  } finally {
    await bench.stop();
  }
  figures.state = await verifyState(bench.emulatorDb, usersOf(spec));
  return figures;
}

const f2 = (n: number) => n.toFixed(2);
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const list = (r: Record<string, number>) =>
  Object.entries(r)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

export function formatService(r: ServiceFigures, rate: number, plainRatio?: number): string {
  const s = r.elapsedMs / 1000;
  const ratio = r.callsMin / rate / s;
  const miss = (ok: boolean, target: string) => (ok ? '' : `  [target ${target} missed]`);
  const u = r.users_;
  const c = r.coordinator;
  const perCall = (n: number) => n / r.calls;
  const userActions = sum(u.actions);
  const cpu = r.cpuPerCallMs;
  const worker = cpu.worker0 ?? 0;
  const server = cpu.devServer ?? 0;
  return [
    `${r.dataset} service path: ${r.users} users, ${r.items} items, one importFriends each, awaited to its outcome`,
    `  calls ${r.calls} (calls_min ${r.callsMin}); elapsed ${s.toFixed(1)} s; ${(r.calls / s).toFixed(1)} calls/s; ` +
      `ratio ${f2(ratio)}${miss(ratio >= 0.6, '≥ 0.60')}` +
      (plainRatio !== undefined ? `; plain script on the same data ${f2(plainRatio)}` : ''),
    `  max calls in any 1-s window ${r.maxWindow}${r.maxWindow > rate ? '  [over the rate]' : ''}; overlaps ${r.overlaps}; rate-limited ${r.rateLimited}`,
    `  imported ${r.imported} / ${r.items}; failed ${r.failed}; emulator state: ${r.state.missing} missing or different, ${r.state.unexpected} unexpected`,
    `  import latency, submission to outcome: p50 ${r.latencyMs.p50.toFixed(0)} ms, p95 ${r.latencyMs.p95.toFixed(0)} ms, max ${r.latencyMs.max.toFixed(0)} ms`,
    `  history events per call: ${f2(perCall(u.events + c.events))}${miss(perCall(u.events + c.events) <= 8, '≤ 8')} ` +
      `(per-user workflows ${u.events} in ${u.runs} runs, ${(u.bytes / u.runs / 1024).toFixed(1)} KiB each; coordinator ${c.events} in ${c.runs} runs)`,
    `  per-user event types: ${list(u.byType)}`,
    `  billable actions per import: ${f2(userActions / r.users)} in the user's workflow${miss(userActions / r.users <= 3, '≤ 3')} ` +
      `(${list(u.actions)}), + ${f2(sum(c.actions) / r.users)} at the coordinator (${list(c.actions)})`,
    `  CPU per call: worker ${f2(worker)} ms${miss(worker <= 5, '≤ 5 ms')}, dev server ${f2(server)} ms${miss(server <= 7, '≤ 7 ms')}, ` +
      `emulator ${f2(cpu.emulator ?? 0)} ms, client ${f2(cpu.client ?? 0)} ms`,
    `  frontend requests: ${list(r.frontend).split(', ').slice(0, 14).join(', ')}`,
  ].join('\n');
}
