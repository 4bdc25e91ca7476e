/**
 * A sync job as the CLI shows it (docs/cli.md, `sync`): its summary (`sync --json`, `status --json`),
 * its human form, and its live progress — phase by phase: the plan, then deletes, updates, imports.
 */
import { emptyCounters } from '../../../core/jobTypes.js';
import {
  emptyPairCounts,
  OP_API,
  SYNC_OPS,
  type OpCounters,
  type SyncPlan,
  type SyncProgress,
} from '../../../core/syncTypes.js';
import type { SyncJobHandle } from '../../../client/syncJobs.js';
import { codes, count, duration } from './format.js';
import { follow, summaryNow, type FollowOptions, type JobLook } from './jobView.js';
import { createJobProgressView, rate, type Estimate, type ProgressLook } from './progress.js';
import { isFinished, jobSummary, type JobSummaryJson, type SummaryOverride } from './summary.js';

/** The summary of a sync job: an import's summary, plus what the sync planned and wrote per API. */
export interface SyncSummaryJson extends JobSummaryJson {
  kind: 'sync';
  file: string | null;
  /** The older snapshot, or `service` (the app's own lists were read). */
  since: string | null;
  deleteRemoved: boolean;
  phase: SyncProgress['phase'];
  plan: SyncPlan;
  planDir: string | null;
  ops: OpCounters;
  /** Calls per API: the plan's friend_get reads (the service form) and each write's calls. */
  callsByApi: Record<string, number>;
}

const emptyOps = (): OpCounters => ({
  delete: emptyCounters(),
  update: emptyCounters(),
  import: emptyCounters(),
});

export function syncSummary(
  jobId: string,
  workflowId: string,
  known: SyncProgress | undefined,
  override: SummaryOverride = {},
): SyncSummaryJson {
  const base = jobSummary(jobId, workflowId, known, override);
  const ops = known?.ops ?? emptyOps();
  const callsByApi: Record<string, number> = {};
  // The plan's calls are what the writes do not account for: friend_get reads of the service form.
  const reads = base.calls - SYNC_OPS.reduce((n, op) => n + ops[op].calls, 0);
  if (reads > 0) callsByApi.friend_get = reads;
  for (const op of SYNC_OPS) callsByApi[OP_API[op]] = ops[op].calls;
  return {
    ...base,
    kind: 'sync',
    file: known?.file ?? null,
    since: known?.since ?? null,
    deleteRemoved: known?.deleteRemoved ?? false,
    phase: known?.phase ?? 'plan',
    plan: known?.plan ?? { counts: emptyPairCounts(), segments: [] },
    planDir: known?.planDir ?? null,
    ops,
    callsByApi,
  };
}

/** The plan's pair counts in one line. */
export function pairCountsLine(c: SyncPlan['counts'], deleteRemoved: boolean): string {
  return (
    `${count(c.added)} added · ${count(c.changed)} changed · ${count(c.replaced)} replaced · ` +
    `${count(c.removed)} removed (${deleteRemoved ? 'deleted' : 'kept: no --delete'}) · ${count(c.unchanged)} unchanged`
  );
}

export function formatSyncSummary(s: SyncSummaryJson): string {
  const finished = isFinished(s.status);
  const what = `${s.since === 'service' ? 'what the app holds' : (s.since ?? '?')} → ${s.file ?? '?'}`;
  const head = finished
    ? `Sync ${s.jobId} ${s.status} after ${duration(s.elapsedMs)}: ${what}`
    : `Sync ${s.jobId} is ${s.status} at ${s.phase} (${duration(s.elapsedMs)} so far, ${count(s.inFlight, 'call')} in flight): ${what}`;
  const c = s.plan.counts;
  const lines = [
    head,
    `  plan      ${pairCountsLine(c, s.deleteRemoved)}`,
    `            ${count(c.users, 'user')}, ${count(c.usersUnchanged)} unchanged · ${count(c.rejected, 'row')} of the new snapshot rejected`,
    `  written   ${count(s.ops.delete.imported)} deleted · ${count(s.ops.update.imported)} updated · ${count(s.ops.import.imported)} imported`,
    `  failed    ${count(s.failed)}${s.failed > 0 ? ` (${codes(s.failedByCode)})` : ''}`,
    `  calls     ${Object.entries(s.callsByApi)
      .map(([api, n]) => count(n, `${api} call`))
      .join(' · ')}`,
  ];
  if (s.reportJsonl) lines.push(`  report    ${s.reportJsonl}`, `            ${s.reportCsv ?? ''}`);
  if (s.planDir)
    lines.push(`  files     ${s.planDir}/part-NNN-<op>.jsonl (the plan: the report's lines are theirs)`);
  if (s.error) lines.push(`  error     ${s.error}`);
  return lines.join('\n');
}

/** Pairs to write (known once the plan is made) and pairs written or failed so far. */
function pairsOf(p: SyncProgress): { done: number; total: number } {
  const total = (p.plan?.segments ?? []).reduce((n, s) => n + s.items, 0);
  const done = SYNC_OPS.reduce((n, op) => n + p.ops[op].imported + p.ops[op].failed, 0);
  return { done, total };
}

export function syncEstimate(p: SyncProgress, samples: Parameters<typeof rate>[0]): Estimate {
  const { done, total } = pairsOf(p);
  const finished = isFinished(p.state);
  const fraction = finished ? 1 : p.phase === 'plan' || total === 0 ? 0 : Math.min(1, done / total);
  const etaMs =
    finished || fraction >= 1 ? 0 : fraction > 0 ? (p.elapsedMs * (1 - fraction)) / fraction : undefined;
  return { fraction, ...(etaMs !== undefined && { etaMs }), callsPerSecond: rate(samples) };
}

function syncProgressLine(p: SyncProgress, e: Estimate): string {
  const state = p.state === 'running' ? '' : ` [${p.state}]`;
  const { done, total } = pairsOf(p);
  return (
    `sync ${p.jobId}${state}: ${p.phase} · ${Math.floor(e.fraction * 100)}% · ${count(done)}/${count(total, 'pair')} · ` +
    `${count(p.failed)} failed · ${e.callsPerSecond.toFixed(0)} calls/s · ETA ${e.etaMs === undefined ? '–' : duration(e.etaMs)}`
  );
}

const SYNC_PROGRESS: ProgressLook<SyncProgress> = {
  format: '{bar} {percentage}%{state} | {phase} | {pairs} | {failed} failed | {rate} calls/s | ETA {etaText}',
  figures: (p) => {
    const { done, total } = pairsOf(p);
    return { phase: p.phase, pairs: `${count(done)}/${count(total, 'pair')}`, failed: count(p.failed) };
  },
  estimate: syncEstimate,
  line: syncProgressLine,
};

const SYNC: JobLook<SyncProgress, SyncSummaryJson> = {
  noun: 'sync job',
  summary: syncSummary,
  progressView: () => createJobProgressView(SYNC_PROGRESS),
};

/** The sync job's summary now, whatever its state (`status` is the server's, e.g. `RUNNING`). */
export function currentSyncSummary(handle: SyncJobHandle, status: string): Promise<SyncSummaryJson> {
  return summaryNow(handle, status, SYNC);
}

/** Waits for the sync job to end, showing progress; resolves with its final summary. */
export function followSync(handle: SyncJobHandle, options: FollowOptions): Promise<SyncSummaryJson> {
  return follow(handle, options, SYNC);
}
