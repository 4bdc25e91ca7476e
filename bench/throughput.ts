/**
 * The throughput runs of the benchmarks (bench/RESULTS.md): one dataset through a bulk job ("ours": dev server +
 * worker processes + the emulator in its own process) or through the plain script, on a fresh
 * stack each, with the emulator's view of the calls and its final state checked item by item.
 */
import type { Client } from '@temporalio/client';
import { join } from 'node:path';
import { startBulkJob } from '../client/bulkJobs.js';
import type { JobSummary } from '../core/jobTypes.js';
import { usersOf, type DatasetFiles } from './dataset.js';
import { runPlainScript, type PlainResult } from './plainScript.js';
import { diffCounts, frontendRequests, type ProcSample } from './probe.js';
import { startBenchStack, verifyState, watchMemory, type Sample } from './stackRun.js';
import { timeline, type Timeline } from './timeline.js';

export interface RunOptions {
  rate: number;
  batchSize: number;
  writeLatencyMs: number;
  workers: number;
  /** Users the bulk job keeps in flight. */
  concurrency: number;
  plainConcurrency: number;
  cpuProfDir?: string;
  workerNodeArgs?: string[];
  log: (line: string) => void;
}

export interface HistoryFigures {
  /** Per-user workflows (a bulk job starts none). */
  userRuns: number;
  userEvents: number;
  userBytes: number;
  maxUserEvents: number;
  jobRuns: number;
  jobEvents: number[];
  /** The app coordinator's runs and events (the stack is fresh, so all of them served this job). */
  coordinatorRuns: number;
  coordinatorEvents: number;
}

/**
 * Billable Temporal actions, counted from the server's own request counters: workflow starts,
 * signals, updates (Update-with-Start counts as a start and an update), activity attempts (every
 * completion, failure or cancellation an activity reported), heartbeats that reached the server,
 * and timers (from the histories).
 */
export function billableActions(frontend: Record<string, number>, timers: number): Record<string, number> {
  const n = (k: string) => frontend[k] ?? 0;
  return {
    starts: n('StartWorkflowExecution') + n('SignalWithStartWorkflowExecution') + n('ExecuteMultiOperation'),
    signals: n('SignalWorkflowExecution') + n('SignalWithStartWorkflowExecution'),
    updates: n('UpdateWorkflowExecution') + n('ExecuteMultiOperation'),
    activityAttempts:
      n('RespondActivityTaskCompleted') +
      n('RespondActivityTaskFailed') +
      n('RespondActivityTaskCanceled') +
      n('RespondActivityTaskCompletedById') +
      n('RespondActivityTaskFailedById'),
    heartbeats: n('RecordActivityTaskHeartbeat') + n('RecordActivityTaskHeartbeatById'),
    timers,
  };
}

export interface RunFigures {
  dataset: string;
  who: 'ours' | 'plain';
  users: number;
  items: number;
  callsMin: number;
  calls: number;
  elapsedMs: number;
  maxWindow: number;
  overlaps: number;
  rateLimited: number;
  emulatorCodes: Record<string, number>;
  imported: number;
  failed: number;
  state: { missing: number; unexpected: number; examples: string[] };
  /** CPU cores used on average during the run, per process. */
  cores: Record<string, number>;
  /** Worker RSS once started (bundled, connected), before the job. */
  startWorkerRssMiB?: number;
  peakWorkerRssMiB?: number;
  workerHwmMiB?: number;
  frontend?: Record<string, number>;
  history?: HistoryFigures;
  timeline?: Timeline;
  summary?: JobSummary;
  plain?: PlainResult;
}

function cores(before: Sample, after: Sample): Record<string, number> {
  const wall = after.at - before.at;
  const out: Record<string, number> = {};
  for (const [name, a] of Object.entries(after.procs)) {
    const b: ProcSample | undefined = before.procs[name];
    if (a && b) out[name] = (a.cpuMs - b.cpuMs) / wall;
  }
  return out;
}

async function histories(client: Client, jobId: string): Promise<HistoryFigures> {
  const h: HistoryFigures = {
    userRuns: 0,
    userEvents: 0,
    userBytes: 0,
    maxUserEvents: 0,
    jobRuns: 0,
    jobEvents: [],
    coordinatorRuns: 0,
    coordinatorEvents: 0,
  };
  for await (const w of client.workflow.list({ query: `WorkflowType = 'ImportFriendsWorkflow'` })) {
    h.userRuns++;
    h.userEvents += w.historyLength;
    h.userBytes += w.historySize ?? 0;
    h.maxUserEvents = Math.max(h.maxUserEvents, w.historyLength);
  }
  for await (const w of client.workflow.list({ query: `WorkflowId = 'friend-import-job:${jobId}'` })) {
    h.jobRuns++;
    h.jobEvents.push(w.historyLength);
  }
  for await (const w of client.workflow.list({ query: `WorkflowType = 'AppCoordinatorWorkflow'` })) {
    h.coordinatorRuns++;
    // A run still open counts what it has so far (it completes after ten idle minutes).
    h.coordinatorEvents += (await client.workflow.getHandle(w.workflowId, w.runId).describe()).historyLength;
  }
  return h;
}

/** What both runs give the emulator: the dataset's accounts, the rate, the batch size, the latency. */
function emulatorSettings(files: DatasetFiles, o: RunOptions) {
  return {
    accountsFile: files.accounts,
    rate: o.rate,
    batchSize: o.batchSize,
    writeLatencyMs: o.writeLatencyMs,
  };
}

/** The figures both runs read the same way: the dataset's, and what the emulator counted. */
function emulatorFigures(files: DatasetFiles, who: RunFigures['who'], after: Sample, elapsedMs: number) {
  const em = after.emulator.friendImport;
  return {
    dataset: files.manifest.spec.name,
    who,
    users: files.manifest.users,
    items: files.manifest.items,
    callsMin: files.manifest.callsMin,
    calls: em.calls,
    elapsedMs,
    maxWindow: em.maxCallsInAnyWindow,
    overlaps: em.overlaps,
    rateLimited: em.rateLimited,
    emulatorCodes: after.emulator.byRoute['v4/sns/friend_import'] ?? {},
    // Filled in once the emulator's state file has been compared with the dataset.
    state: { missing: 0, unexpected: 0, examples: [] as string[] },
  };
}

export async function runOurs(files: DatasetFiles, o: RunOptions): Promise<RunFigures> {
  const spec = files.manifest.spec;
  const bench = await startBenchStack({
    ...emulatorSettings(files, o),
    workers: o.workers,
    cpuProfDir: o.cpuProfDir,
    workerNodeArgs: o.workerNodeArgs,
  });
  const stack = bench.stack!;
  const jobId = `bench-${spec.name}-${Date.now()}`;
  let figures: RunFigures;
  try {
    const workerPids = () => bench.workers.map((w) => w.pid ?? -1);
    const before = await bench.sample();
    const memory = watchMemory(workerPids);
    const t0 = performance.now();
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      {
        jobId,
        path: files.jsonl,
        format: 'jsonl',
        report: join(bench.dir, 'report.jsonl'),
        concurrency: o.concurrency,
      },
    );
    const ticker = setInterval(() => {
      void job.progress().then(
        (p) =>
          o.log(
            `  ${spec.name} ours ${((performance.now() - t0) / 1000).toFixed(0)} s: ${p.calls} calls, ` +
              `${p.imported}/${files.manifest.items} imported, ${p.inFlight} calls in flight`,
          ),
        () => undefined,
      );
    }, 10_000);
    const summary = await job.result().finally(() => clearInterval(ticker));
    const elapsedMs = performance.now() - t0;
    const peak = memory.stop();
    const after = await bench.sample();
    const history = await histories(stack.client, jobId);
    // The server reports its request counters about once a second: read them once they have caught up.
    await new Promise((r) => setTimeout(r, 2_500));
    const frontendAfter = await frontendRequests(stack.devServer.metricsUrl);
    figures = {
      ...emulatorFigures(files, 'ours', after, elapsedMs),
      imported: summary.imported,
      failed: summary.failed,
      cores: cores(before, after),
      startWorkerRssMiB: before.procs.worker0?.rssMiB,
      peakWorkerRssMiB: peak,
      workerHwmMiB: Math.max(
        ...Object.entries(after.procs).map(([k, p]) => (k.startsWith('worker') ? (p?.hwmMiB ?? 0) : 0)),
      ),
      frontend: diffCounts(frontendAfter, before.frontend),
      history,
      timeline: await timeline(stack.client, `friend-import-job:${jobId}`),
      summary,
    };
  } finally {
    await bench.stop();
  }
  const state = await verifyState(bench.emulatorDb, usersOf(spec));
  figures.state = state;
  return figures;
}

export async function runPlain(files: DatasetFiles, o: RunOptions): Promise<RunFigures> {
  const spec = files.manifest.spec;
  const bench = await startBenchStack({
    ...emulatorSettings(files, o),
    workers: 0,
    emulatorOnly: true,
  });
  let figures: RunFigures;
  try {
    const before = await bench.sample();
    const cpu0 = process.cpuUsage();
    const plain = await runPlainScript({
      file: files.jsonl,
      baseUrl: bench.emulator.baseUrl,
      rate: o.rate,
      concurrency: o.plainConcurrency,
      batchSize: o.batchSize,
    });
    const cpu = process.cpuUsage(cpu0);
    const after = await bench.sample();
    figures = {
      ...emulatorFigures(files, 'plain', after, plain.elapsedMs),
      imported: plain.imported,
      failed: plain.failed,
      cores: { ...cores(before, after), script: (cpu.user + cpu.system) / 1000 / plain.elapsedMs },
      plain,
    };
  } finally {
    await bench.stop();
  }
  figures.state = await verifyState(bench.emulatorDb, usersOf(spec));
  return figures;
}
