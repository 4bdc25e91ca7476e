/**
 * SyncJobWorkflow: one per sync job (docs/cli.md, `sync`). It keeps an app in step with a newer
 * snapshot of the old system: first it plans, part by part (the plan activity compares the new
 * snapshot with the older one, or with what the service holds, and writes one plan file per kind
 * of write); then it runs the plan's deletes, updates and imports, in that order, each file as a
 * series of pages of the import's own page activity, which leases each user (one writer per user)
 * and paces each API at its app-wide rate. Like an import job it can be paused, resumed, cancelled
 * and re-sized, continues as new so its history stays bounded, writes the report at the end, and
 * tells its end when asked.
 */
import { CancellationScope, continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { JobActivities } from '../core/activities.js';
import { addCounters, countFailed, emptyCounters, type JobCounters } from '../core/jobTypes.js';
import {
  addPairCounts,
  emptyPairCounts,
  SYNC_OPS,
  type OpCounters,
  type SyncJobInput,
  type SyncPlan,
  type SyncProgress,
  type SyncSummary,
} from '../core/syncTypes.js';
import { notifyEnd, notifyIfThrown } from './notifyEnd.js';
// What every kind of job does alike, step by step: `job.morePages`, `job.settle`, …
import * as job from './pagedJob.js';

/** What a sync carries from run to run (continue-as-new). */
interface SyncRunState extends job.JobRun<JobCounters> {
  phase: SyncProgress['phase'];
  /** The plan's parts (known once the first is planned) and how many are done. */
  parts?: number;
  partsDone: number;
  plan: SyncPlan;
  /** The plan file being written (an index into `plan.segments`). */
  segment: number;
  ops: OpCounters;
  /** The last page stopped early (paused): the next one may re-send writes that already landed. */
  resumed: boolean;
}

const planner = proxyActivities<JobActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['SourceUnreadable'] },
});

export async function SyncJobWorkflow(input: SyncJobInput, carried?: SyncRunState): Promise<SyncSummary> {
  return notifyIfThrown(input.notify, 'sync', input.jobId, () => syncJob(input, carried));
}

async function syncJob(input: SyncJobInput, carried?: SyncRunState): Promise<SyncSummary> {
  const s: SyncRunState = carried ?? {
    ...job.firstRun(input.concurrency, emptyCounters()),
    phase: 'plan',
    partsDone: 0,
    plan: { counts: emptyPairCounts(), segments: [] },
    segment: 0,
    ops: { delete: emptyCounters(), update: emptyCounters(), import: emptyCounters() },
    resumed: false,
  };
  const progress = (): SyncProgress => syncProgress(input, s);
  const publishNow = (): void => {
    const c = s.plan.counts;
    const o = s.ops;
    job.publish(
      input.jobId,
      s.state,
      `Sync **${input.jobId}** (${s.state}, ${s.phase}): plan ${s.partsDone}/${s.parts ?? '?'} parts — ` +
        `${c.added} added, ${c.changed} changed, ${c.replaced} replaced, ${c.removed} removed, ${c.unchanged} unchanged; ` +
        `written: ${o.delete.imported} deleted, ${o.update.imported} updated, ${o.import.imported} imported, ` +
        `${s.counters.failed} failed.`,
      s.counters,
    );
  };

  // status, pause, resume, cancel and concurrency, answered as an import job answers them.
  job.handleCommands(s, progress);

  await CancellationScope.nonCancellable(async () => {
    // The plan, part by part: each part is one activity, so a crash redoes at most one part.
    while (s.phase === 'plan' && (await job.morePages(s))) {
      const part = await planner.planSync({
        jobId: input.jobId,
        ...(input.sdkAppId !== undefined && { sdkAppId: input.sdkAppId }),
        source: input.source,
        since: input.since,
        deleteRemoved: input.deleteRemoved,
        planDir: input.planDir,
        reportDir: input.reportDir,
        part: s.partsDone,
        ...(s.parts !== undefined && { parts: s.parts }),
        ...(input.updateBatch !== undefined && { updateBatch: input.updateBatch }),
      });
      s.parts = part.parts;
      s.partsDone++;
      addPairCounts(s.plan.counts, part.counts);
      s.plan.segments.push(...part.segments);
      if (part.counts.rejected > 0) {
        countFailed(s.counters, 'rejected', part.counts.rejected);
        s.counters.items += part.counts.rejected;
      }
      s.counters.calls += part.calls;
      if (s.partsDone >= s.parts) {
        // Every part's deletes, then every part's updates, then the imports.
        s.plan.segments.sort((a, b) => SYNC_OPS.indexOf(a.op) - SYNC_OPS.indexOf(b.op));
        s.phase = s.plan.segments[0]?.op ?? 'done';
      }
      publishNow();
    }

    // The writes: each plan file as pages, from its first line to its end.
    for (;;) {
      const seg = s.plan.segments[s.segment];
      if (s.phase === 'plan' || !seg) break;
      s.phase = seg.op;
      const segInput = { ...input, source: { path: seg.path, format: 'jsonl' as const } };
      while (await job.morePages(s)) {
        await job.continueAsNewWhenLong(input, () => continueAsNew<typeof SyncJobWorkflow>(input, s));
        const page = s.pages + 1;
        const end = await job.pageActivities(page, s, '2s').importPage(
          job.pageInput(segInput, s, page, {
            op: seg.op,
            ...(input.updateBatch !== undefined && { updateBatch: input.updateBatch }),
            ...(s.resumed && { resumed: true }),
          }),
        );
        addCounters(s.ops[seg.op], end.counters);
        addCounters(s.counters, end.counters);
        s.resumed = end.stopped === 'paused';
        job.movePast(s, end);
        publishNow();
      }
      if (!s.eof || s.state !== 'running') break;
      s.segment++;
      s.cursor = { offset: 0, line: 1 };
      s.eof = false;
      s.sourceBytes = 0;
      delete s.sourceIdentity;
      // The last second of calls counts against the next page's rate only when it calls the same API.
      if (s.plan.segments[s.segment]?.op !== seg.op) s.windowTail = [];
      s.phase = s.plan.segments[s.segment]?.op ?? 'done';
    }
  });

  return await CancellationScope.nonCancellable(async () => {
    await job.settle(s);
    await job.reports.finalizeReport({ ...job.reportFiles(input), retryFile: false });
    publishNow();
    const summary = await notifyEnd(input.notify, 'sync', progress());
    if (s.state === 'failed') throw job.failure(`sync job ${input.jobId}`, s, input);
    return summary;
  });
}

function syncProgress(input: SyncJobInput, s: SyncRunState): SyncProgress {
  return {
    kind: 'sync',
    ...s.counters,
    failedByCode: { ...s.counters.failedByCode },
    jobId: input.jobId,
    state: s.state,
    ...job.runFigures(s),
    ...job.errorAndReport(s, input),
    file: input.source.path,
    since: input.since.kind === 'file' ? input.since.path : 'service',
    deleteRemoved: input.deleteRemoved,
    phase: s.phase,
    plan: s.plan,
    ops: s.ops,
    planDir: input.planDir,
  };
}
