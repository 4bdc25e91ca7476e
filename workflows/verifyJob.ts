/**
 * VerifyJobWorkflow: one per verify job (docs/verify.md). Like BulkImportWorkflow it runs the file
 * as a series of pages, one at a time, each one long heartbeating verifyPage activity; it keeps
 * the cursor and the counters, can be paused, resumed, cancelled and re-sized through the same
 * updates as an import job (so the same commands work on it), and continues as new so its history
 * stays bounded. At the end it merges the pages' outcome files into the diff report and, when
 * asked, starts an import of the repair file as a job of its own. What it does like an import job
 * lives in workflows/jobControl.ts.
 */
import { continueAsNew, proxyActivities, startChild } from '@temporalio/workflow';
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
import { errorAndReport, firstRun, pageInput, runFigures, runJob, type JobRun } from './jobControl.js';

/** What a verify job carries from run to run (continue-as-new). */
export interface VerifyRunState extends JobRun<VerifyCounters> {
  writers: WriterSeen[];
  /** The import job's permanent failures were read (`prepareVerify`). */
  prepared: boolean;
  expectedAbsentFile?: string;
  expectedAbsentFromJob?: number;
  repairItems?: number;
  repairJobId?: string;
  repairError?: string;
}

const quick = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['ImportJobUnreadable'] },
});

export async function VerifyJobWorkflow(
  input: VerifyJobInput,
  carried?: VerifyRunState,
): Promise<VerifySummary> {
  const s: VerifyRunState = carried ?? {
    ...firstRun(input.concurrency, emptyVerifyCounters()),
    writers: [],
    prepared: input.importJob === undefined,
  };

  const progress = (): VerifySummary => {
    const c = s.counters;
    // The job commands read a verify's progress as an import's: the pairs that differ, by kind.
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
      ...runFigures(s),
      writers: s.writers,
      repairJsonl: input.repairJsonl,
      ...(s.repairItems !== undefined && { repairItems: s.repairItems }),
      ...(s.repairJobId !== undefined && { repairJobId: s.repairJobId }),
      ...(s.repairError !== undefined && { repairError: s.repairError }),
      ...errorAndReport(s, input),
    };
  };
  return await runJob(s, input, {
    progress,
    details: (c) =>
      `Verify **${input.jobId}** (${s.state}): page ${s.pages}, ${c.pairs} pairs — ${c.present + c.absent} as expected, ` +
      `${c.missing} missing, ${c.different} different, ${c.unexpected} unexpectedly present; ${c.calls} calls.`,
    prepare: async () => {
      if (s.prepared || !input.importJob) return;
      try {
        const prepared = await quick.prepareVerify({
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
    },
    continueAsNew: () => continueAsNew<typeof VerifyJobWorkflow>(input, s),
    firstRetryAfter: '1s',
    runPage: (page, activities) =>
      activities.verifyPage(
        pageInput(input, s, page, {
          fields: input.fields,
          ...(s.expectedAbsentFile !== undefined && { expectedAbsentFile: s.expectedAbsentFile }),
          ...(input.importJob && { importJobId: input.importJob.jobId }),
        }),
      ),
    countPage: (page) => {
      addVerifyCounters(s.counters, page.counters);
      s.writers = mergeWriters(s.writers, page.writers);
    },
    name: `verify job ${input.jobId}`,
    finalize: async () => {
      const totals = await quick.finalizeVerify({
        reportDir: input.reportDir,
        reportJsonl: input.reportJsonl,
        reportCsv: input.reportCsv,
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
    },
    result: progress,
  });
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

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } } | null)?.cause?.message;
  return cause ?? (err instanceof Error ? err.message : String(err));
}
