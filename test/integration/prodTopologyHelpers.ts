/**
 * The moving parts of prodTopology.test.ts: following a running bulk job through the calls the IM
 * service sees, finding the worker that runs its page, recording each disruption, and reading what
 * the job left (outcome files, its history) for the checks and the diagnostics.
 */
import proto from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { BulkJobHandle } from '../../client/bulkJobs.js';
import type { JobSummary } from '../../core/jobTypes.js';
import type { SubmissionOutcome } from '../../core/userImportTypes.js';
import type { EmulatorStats, FriendImportCall } from '../../emulator/index.js';
import { readOutcomes } from '../../formats/importReport.js';
import type { AddFriendItem } from '../../im/schemas.js';
import type { ProdStack } from '../../scripts/prod-stack/stack.js';
import { isAlive, type WorkerProcesses } from '../../cli/stack/workerProcesses.js';
import { diffFriends, openEmulatorState, type StateDiff } from '../support/emulatorState.js';
import type { RemoteEmulator } from '../support/remoteEmulator.js';

const STARTED = proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/** PROD_TOPOLOGY_LOG=1 follows the run as it goes (diagnostics print only at the end). */
const log = (line: string): void => {
  if (process.env.PROD_TOPOLOGY_LOG)
    process.stderr.write(`[prod-topology ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface Disruption {
  what: string;
  /** Epoch ms when it began. */
  at: number;
  /** friend_import calls the service had seen when it began. */
  calls: number;
  detail: string;
}

/** A worker of ours running the job's page right now: a live process, its attempt started. */
export interface PageWorker {
  child: ChildProcess;
  identity: string;
  attempt: number;
}

/** The run as its first step started it: the topology's parts and the job every later step works on. */
export interface Run {
  stack: ProdStack;
  service: RemoteEmulator;
  pool: WorkerProcesses;
  job: BulkJobHandle;
  workflow: WorkflowHandle;
  jobId: string;
  report: string;
  /** Epoch ms just before the job started. */
  startedAt: number;
  /** The fewest calls the job can make (each disruption comes at a share of them). */
  need: number;
  watch: JobWatch;
}

/** What the job and the service imports left, read once both ended. */
export interface End {
  summary: JobSummary;
  closedAt: number;
  outcomes: SubmissionOutcome[];
  fi: EmulatorStats['friendImport'];
}

/** `value`, which an earlier step sets: a step that needs it and finds none fails saying so. */
export function needs<T>(value: T | undefined, what: string): T {
  assert.ok(value, `this step needs ${what}, which an earlier step did not get to`);
  return value;
}

export interface JobWatch {
  /** Every disruption so far, in order, each once it is over. */
  disruptions: Disruption[];
  /** Waits until the service has seen `n` calls; fails if the job ends first. */
  waitForCalls(n: number, before: string): Promise<number>;
  pageWorker(): Promise<PageWorker>;
  /** A disruption beginning now (its `detail` is added when it is over). */
  begin(what: string): Promise<Omit<Disruption, 'detail'>>;
  /**
   * Records a disruption once it is over, and waits until the job makes calls again: each one
   * then meets a job that recovered from the one before, and each pause is its own.
   */
  recovered(d: Disruption): Promise<void>;
}

export function watchJob(
  job: BulkJobHandle,
  workflow: WorkflowHandle,
  emulator: RemoteEmulator,
  pool: WorkerProcesses,
): JobWatch {
  const disruptions: Disruption[] = [];
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
  return {
    disruptions,
    waitForCalls,
    pageWorker: async () => {
      for (let i = 0; i < 600; i++) {
        const described = await workflow.describe().catch(() => undefined);
        const page = described?.raw.pendingActivities?.[0];
        const child = pool.byIdentity(page?.lastWorkerIdentity);
        if (page?.state === STARTED && child && isAlive(child))
          return { child, identity: page.lastWorkerIdentity ?? '', attempt: page.attempt ?? 0 };
        await sleep(200);
      }
      throw new Error('no worker of ours picked up the page');
    },
    begin: async (what) => ({ what, at: Date.now(), calls: await callsSoFar() }),
    recovered: async (d) => {
      disruptions.push(d);
      log(`${d.what}: ${d.detail}`);
      await waitForCalls((await callsSoFar()) + 40, `recovering from the ${d.what}`);
    },
  };
}

/**
 * What each disruption did to the job's calls (sorted by arrival), one line each: until the next
 * disruption, how many calls and the longest gap between them (the step itself counts as a call).
 */
export function disruptionEffects(
  disruptions: readonly Disruption[],
  jobCalls: readonly FriendImportCall[],
  jobStarted: number,
): string[] {
  return disruptions.map((d, i) => {
    const until = disruptions[i + 1]?.at ?? Infinity;
    const window = jobCalls.filter((c) => c.arrivedAt >= d.at && c.arrivedAt < until);
    let pause = { ms: 0, from: d.at };
    let soon = 0;
    let previous = d.at;
    for (const c of window) {
      if (c.arrivedAt - previous > pause.ms) pause = { ms: c.arrivedAt - previous, from: previous };
      if (previous - d.at < 5_000) soon = Math.max(soon, c.arrivedAt - previous);
      previous = c.arrivedAt;
    }
    return (
      `${d.what} at ${seconds(d.at - jobStarted)} (${d.calls} calls): ${d.detail}; until the next step ` +
      `${window.length} job calls, the longest pause in them ${seconds(pause.ms)} from ${seconds(pause.from - d.at)} after the step ` +
      `(the longest starting within 5 s of it ${seconds(soon)})`
    );
  });
}

/** How the job's pages moved between workers: each page's attempt as it finally ran, and where. */
export async function pageAttempts(workflow: WorkflowHandle): Promise<string[]> {
  const events = (await workflow.fetchHistory()).events ?? [];
  const typeOf = new Map(
    events.map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name]),
  );
  let page = 0;
  return events
    .map((e) => e.activityTaskStartedEventAttributes)
    .filter((a) => !!a && typeOf.get(String(a.scheduledEventId)) === 'importPage')
    .map((a) => {
      const failure = a?.lastFailure?.message;
      return `page ${++page} attempt ${a?.attempt} on ${a?.identity}${failure ? ` (after: ${failure.slice(0, 80)})` : ''}`;
    });
}

/** The injected faults among `calls`, by kind. */
function faultCounts(calls: readonly FriendImportCall[]): Record<string, number> {
  const faults: Record<string, number> = {};
  for (const c of calls) if (c.fault) faults[c.fault] = (faults[c.fault] ?? 0) + 1;
  return faults;
}

/**
 * The outcome files of a job: how many outcomes each item (`line from → to`) has, and each
 * failed one as `line from → to code`.
 */
export async function outcomeCounts(
  reportDir: string,
): Promise<{ perItem: Map<string, number>; failed: string[] }> {
  const perItem = new Map<string, number>();
  const failed: string[] = [];
  for await (const o of readOutcomes(reportDir)) {
    const count = (to: string) => {
      const key = `${o.line} ${o.fromAccount} → ${to}`;
      perItem.set(key, (perItem.get(key) ?? 0) + 1);
    };
    o.imported.forEach(count);
    for (const f of o.failed) {
      count(f.toAccount);
      failed.push(`${o.line} ${o.fromAccount} → ${f.toAccount} ${f.code}`);
    }
  }
  return { perItem, failed };
}

/** One line on every call the service saw: whose, the faults injected, the rate and overlaps. */
export function callsDiagnostic(o: {
  jobMs: number;
  needed: number;
  calls: readonly FriendImportCall[];
  isServiceCall: (c: FriendImportCall) => boolean;
  fi: EmulatorStats['friendImport'];
}): string {
  const { fi, calls } = o;
  return (
    `job ${seconds(o.jobMs)}; ${fi.calls} calls (at least ${o.needed} needed), ${calls.filter(o.isServiceCall).length} of them the user imports'; ` +
    `injected ${JSON.stringify(faultCounts(calls))}, ${calls.filter((c) => c.aborted).length} given up by the client; ` +
    `max ${fi.maxCallsInAnyWindow} in one second, ${fi.overlaps} overlaps, ${fi.rateLimited} rate-limited`
  );
}

/** How the friends stored in a stopped service's database differ from `expected`, user by user. */
export async function diffStoredFriends(
  dbFile: string,
  expected: Iterable<readonly [string, readonly AddFriendItem[]]>,
): Promise<StateDiff> {
  const state = await openEmulatorState(dbFile);
  const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
  try {
    for (const [from, items] of expected) diffFriends(from, state.friendsOf(from), items, diff);
  } finally {
    await state.close();
  }
  return diff;
}
