/**
 * VerifyJobWorkflow: one per verify job (docs/verify.md). Like BulkImportWorkflow it runs the file
 * as a series of pages, one at a time, each one long heartbeating verifyPage activity; it keeps
 * the cursor and the counters, can be paused, resumed, cancelled and re-sized through the same
 * updates as an import job (so the same commands work on it), and continues as new so its history
 * stays bounded. At the end it merges the pages' outcome files into the diff report and, when
 * asked, starts an import of the repair file as a job of its own. The pieces it shares with an
 * import job are in workflows/pagedJob.ts.
 */
import { CancellationScope, continueAsNew, proxyActivities, startChild } from '@temporalio/workflow';
import type { JobActivities } from '../core/activities.js';
import { countFailed, type FailedTally } from '../core/jobTypes.js';
import {
  addVerifyCounters,
  emptyVerifyCounters,
  type VerifyCounters,
  type VerifyJobInput,
  type VerifySummary,
  type WriterSeen,
} from '../core/verifyTypes.js';
import { mergeWriters } from '../core/verifyWatch.js';
import { BulkImportWorkflow } from './bulkImport.js';
import { bulkJobWorkflowId } from '../core/definitions.js';
import { JobIdKey, StateKey } from '../core/searchAttributes.js';
// What both kinds of job do alike, step by step: `job.morePages`, `job.settle`, …
import * as job from './pagedJob.js';
import { notifyEnd, notifyIfThrown } from './notifyEnd.js';

/** What a verify job carries from run to run (continue-as-new). */
interface VerifyRunState extends job.JobRun<VerifyCounters> {
  writers: WriterSeen[];
  /** The import job's permanent failures were read (`prepareVerify`). */
  prepared: boolean;
  expectedAbsentFile?: string;
  expectedAbsentFromJob?: number;
  repairItems?: number;
  repairJobId?: string;
  repairError?: string;
}

const reports = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['ImportJobUnreadable'] },
});

export async function VerifyJobWorkflow(
  input: VerifyJobInput,
  carried?: VerifyRunState,
): Promise<VerifySummary> {
  return notifyIfThrown(input.notify, 'verify', input.jobId, () => verifyJob(input, carried));
}

async function verifyJob(input: VerifyJobInput, carried?: VerifyRunState): Promise<VerifySummary> {
  const s: VerifyRunState = carried ?? {
    ...job.firstRun(input.concurrency, emptyVerifyCounters()),
    writers: [],
    prepared: input.importJob === undefined,
  };
  const progress = (): VerifySummary => verifyProgress(input, s);
  const publishNow = (): void => {
    const c = s.counters;
    job.publish(
      input.jobId,
      s.state,
      `Verify **${input.jobId}** (${s.state}): page ${s.pages}, ${c.pairs} pairs — ${c.present + c.absent} as expected, ` +
        `${c.missing} missing, ${c.different} different, ${c.unexpected} unexpectedly present; ${c.calls} calls.`,
    );
  };

  // status, pause, resume, cancel and concurrency, answered as an import job answers them.
  job.handleCommands(s, progress);

  // The import job's permanent failures first (they must be absent), then page after page.
  await CancellationScope.nonCancellable(async () => {
    await readImportJob(input, s);
    while (await job.morePages(s)) {
      await job.continueAsNewWhenLong(input, () => continueAsNew<typeof VerifyJobWorkflow>(input, s));
      const page = s.pages + 1;
      const end = await job.pageActivities(page, s, '1s').verifyPage(
        job.pageInput(input, s, page, {
          fields: input.fields,
          ...(s.expectedAbsentFile !== undefined && { expectedAbsentFile: s.expectedAbsentFile }),
          ...(input.importJob && { importJobId: input.importJob.jobId }),
        }),
      );
      addVerifyCounters(s.counters, end.counters);
      s.writers = mergeWriters(s.writers, end.writers);
      job.movePast(s, end);
      publishNow();
    }
  });

  // The end, once every update has been answered: the diff report and the repair file, the
  // repair import when asked, the final state in the UI.
  return await CancellationScope.nonCancellable(async () => {
    await job.settle(s);
    const totals = await reports.finalizeVerify({
      ...job.reportFiles(input),
      repairJsonl: input.repairJsonl,
    });
    // The merged figures count each pair once (a user checked in two runs, a page retried);
    // lines and items are the pages' own.
    s.counters = {
      ...totals.counters,
      lines: s.counters.lines,
      items: s.counters.items,
      calls: s.counters.calls,
    };
    s.repairItems = totals.repairItems;
    if (input.repair && s.state === 'completed' && totals.repairItems > 0) await startRepair(input, s);
    publishNow();
    // Told in every end state, a failed one included: only when the job has a notify URL.
    const summary = await notifyEnd(input.notify, 'verify', progress());
    if (s.state === 'failed') throw job.failure(`verify job ${input.jobId}`, s, input);
    return summary;
  });
}

/** Reads the import job's permanent failures once (before the first page of the first run). */
async function readImportJob(input: VerifyJobInput, s: VerifyRunState): Promise<void> {
  if (s.prepared || !input.importJob) return;
  try {
    const prepared = await reports.prepareVerify({
      importReportDir: input.importJob.reportDir,
      reportDir: input.reportDir,
    });
    s.expectedAbsentFile = prepared.expectedAbsentFile;
    s.expectedAbsentFromJob = prepared.permanent;
  } catch (err) {
    s.error = `cannot read import job ${input.importJob.jobId}: ${causeOf(err)}`;
    s.state = 'failed';
  }
  s.prepared = true;
}

/** Starts the repair import as a job of its own: it outlives this workflow and is followed by its ID. */
async function startRepair(input: VerifyJobInput, s: VerifyRunState): Promise<void> {
  const repair = input.repair;
  if (!repair) return;
  try {
    await startChild(BulkImportWorkflow, {
      workflowId: bulkJobWorkflowId(repair.jobId),
      args: [
        {
          jobId: repair.jobId,
          ...(input.sdkAppId !== undefined && { sdkAppId: input.sdkAppId }),
          source: { path: input.repairJsonl, format: 'jsonl' },
          reportDir: repair.reportDir,
          reportJsonl: repair.reportJsonl,
          reportCsv: repair.reportCsv,
          concurrency: repair.concurrency,
          pageLines: repair.pageLines,
        },
      ],
      parentClosePolicy: 'ABANDON',
      typedSearchAttributes: [
        { key: JobIdKey, value: repair.jobId },
        { key: StateKey, value: 'running' },
      ],
      staticSummary: `Repair import ${repair.jobId} of verify ${input.jobId}`,
    });
    s.repairJobId = repair.jobId;
  } catch (err) {
    s.repairError = `the repair import ${repair.jobId} did not start: ${causeOf(err)}`;
  }
}

/** The verify job's progress, in the shape the job commands read: the pairs that differ, by kind. */
function verifyProgress(input: VerifyJobInput, s: VerifyRunState): VerifySummary {
  const c = s.counters;
  const differ: FailedTally = { failed: 0, failedByCode: {} };
  for (const k of ['missing', 'different', 'unexpected', 'unchecked'] as const)
    if (c[k] > 0) countFailed(differ, k, c[k]);
  return {
    kind: 'verify',
    jobId: input.jobId,
    state: s.state,
    fields: input.fields,
    file: input.source.path,
    format: input.source.format,
    ...(input.importJob && { importJobId: input.importJob.jobId }),
    ...(s.expectedAbsentFromJob !== undefined && { expectedAbsentFromJob: s.expectedAbsentFromJob }),
    lines: c.lines,
    users: c.users,
    items: c.items,
    imported: c.present + c.absent,
    failed: differ.failed,
    failedByCode: differ.failedByCode,
    pairs: c.pairs,
    present: c.present,
    different: c.different,
    missing: c.missing,
    absent: c.absent,
    unexpected: c.unexpected,
    unchecked: c.unchecked,
    byField: { ...c.byField },
    calls: c.calls,
    ...job.runFigures(s),
    writers: s.writers,
    repairJsonl: input.repairJsonl,
    ...(s.repairItems !== undefined && { repairItems: s.repairItems }),
    ...(s.repairJobId !== undefined && { repairJobId: s.repairJobId }),
    ...(s.repairError !== undefined && { repairError: s.repairError }),
    ...job.errorAndReport(s, input),
  };
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } } | null)?.cause?.message;
  return cause ?? (err instanceof Error ? err.message : String(err));
}
