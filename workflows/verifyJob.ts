/**
 * VerifyJobWorkflow: one per verify job (docs/verify.md). Like BulkImportWorkflow it runs the file
 * as a series of pages, one at a time, each one long heartbeating verifyPage activity; it keeps
 * the cursor and the counters, can be paused, resumed, cancelled and re-sized through the same
 * updates as an import job (so the same commands work on it), and continues as new so its history
 * stays bounded. At the end it merges the pages' outcome files into the diff report and, when
 * asked, starts an import of the repair file as a job of its own.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities } from '../core/activities.js';
import { MAX_CONCURRENCY, concurrencyProblem, type JobState, type SourceCursor } from '../core/jobTypes.js';
import {
  addVerifyCounters,
  differences,
  emptyVerifyCounters,
  type VerifyCounters,
  type VerifyJobInput,
  type VerifyPageResult,
  type VerifySummary,
  type WriterSeen,
} from '../core/verifyTypes.js';
import { mergeWriters } from '../core/verifyWatch.js';
import { BulkImportWorkflow, DEFAULT_PAGE_ITEMS } from './bulkImport.js';
import {
  bulkJobWorkflowId,
  cancelJobUpdate,
  jobControlQuery,
  jobProgressQuery,
  pauseJobUpdate,
  resumeJobUpdate,
  setConcurrencyUpdate,
} from '../core/definitions.js';
import { JobIdKey, StateKey } from '../core/searchAttributes.js';

/** What a verify job carries from run to run (continue-as-new). */
export interface VerifyRunState {
  cursor: SourceCursor;
  eof: boolean;
  state: JobState;
  concurrency: number;
  counters: VerifyCounters;
  pages: number;
  startedAt: number;
  sourceBytes: number;
  windowTail: number[];
  writers: WriterSeen[];
  /** The import job's permanent failures were read (`prepareVerify`). */
  prepared: boolean;
  expectedAbsentFile?: string;
  expectedAbsentFromJob?: number;
  repairItems?: number;
  repairJobId?: string;
  repairError?: string;
  error?: string;
}

const pageActivity = (summary: string) =>
  proxyActivities<JobActivities>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '20s',
    retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['SourceUnreadable'] },
    summary,
  });
const quick = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['ImportJobUnreadable'] },
});

export async function VerifyJobWorkflow(
  input: VerifyJobInput,
  carried?: VerifyRunState,
): Promise<VerifySummary> {
  const jobWorkflowId = workflowInfo().workflowId;
  const s: VerifyRunState = carried ?? {
    cursor: { offset: 0, line: 1 },
    eof: false,
    state: 'running',
    concurrency: clamp(input.concurrency),
    counters: emptyVerifyCounters(),
    pages: 0,
    startedAt: Date.now(),
    sourceBytes: 0,
    windowTail: [],
    writers: [],
    prepared: input.importJob === undefined,
  };

  const progress = (): VerifySummary => {
    const c = s.counters;
    const failedByCode: Record<string, number> = {};
    for (const k of ['missing', 'different', 'unexpected', 'unchecked'] as const)
      if (c[k] > 0) failedByCode[k] = c[k];
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
      failed: differences(c),
      failedByCode,
      pairs: c.pairs,
      present: c.present,
      different: c.different,
      missing: c.missing,
      absent: c.absent,
      unexpected: c.unexpected,
      unchecked: c.unchecked,
      byField: { ...c.byField },
      calls: c.calls,
      inFlight: 0,
      concurrency: s.concurrency,
      offset: s.cursor.offset,
      sourceBytes: s.sourceBytes,
      eof: s.eof,
      startedAt: s.startedAt,
      elapsedMs: Date.now() - s.startedAt,
      pages: s.pages,
      writers: s.writers,
      repairJsonl: input.repairJsonl,
      ...(s.repairItems !== undefined && { repairItems: s.repairItems }),
      ...(s.repairJobId !== undefined && { repairJobId: s.repairJobId }),
      ...(s.repairError !== undefined && { repairError: s.repairError }),
      ...(s.error !== undefined && { error: s.error }),
      reportJsonl: input.reportJsonl,
      reportCsv: input.reportCsv,
    };
  };
  const publish = (): void => {
    const c = s.counters;
    setCurrentDetails(
      `Verify **${input.jobId}** (${s.state}): page ${s.pages}, ${c.pairs} pairs — ${c.present + c.absent} as expected, ` +
        `${c.missing} missing, ${c.different} different, ${c.unexpected} unexpectedly present; ${c.calls} calls.`,
    );
    upsertSearchAttributes([
      { key: JobIdKey, value: input.jobId },
      { key: StateKey, value: s.state },
    ]);
  };
  const cancel = (): void => {
    if (s.state === 'running' || s.state === 'paused') s.state = 'cancelling';
  };

  setHandler(jobProgressQuery, progress);
  setHandler(jobControlQuery, () => ({ state: s.state, concurrency: s.concurrency }));
  setHandler(pauseJobUpdate, () => {
    if (s.state === 'running') s.state = 'paused';
    return progress();
  });
  setHandler(resumeJobUpdate, () => {
    if (s.state === 'paused') s.state = 'running';
    return progress();
  });
  setHandler(cancelJobUpdate, () => {
    cancel();
    return progress();
  });
  setHandler(
    setConcurrencyUpdate,
    (n) => {
      s.concurrency = n;
      return progress();
    },
    {
      validator: (n: number) => {
        const problem = concurrencyProblem(n);
        if (problem) throw new Error(problem);
      },
    },
  );
  CancellationScope.current().cancelRequested.catch(cancel);

  await CancellationScope.nonCancellable(async () => {
    if (!s.prepared && input.importJob) {
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
    }
    for (;;) {
      await condition(() => s.state !== 'paused');
      if (s.state !== 'running' || s.eof) break;
      if (shouldContinueAsNew(input.continueAsNewAfterEvents)) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof VerifyJobWorkflow>(input, s);
      }
      const page = s.pages + 1;
      const result = await pageActivity(`page ${page} from line ${s.cursor.line}`).verifyPage({
        jobId: input.jobId,
        jobWorkflowId,
        page,
        source: input.source,
        cursor: s.cursor,
        limits: { maxLines: input.pageLines, maxItems: input.pageItems ?? DEFAULT_PAGE_ITEMS },
        reportDir: input.reportDir,
        concurrency: s.concurrency,
        fields: input.fields,
        ...(s.expectedAbsentFile !== undefined && { expectedAbsentFile: s.expectedAbsentFile }),
        ...(input.importJob && { importJobId: input.importJob.jobId }),
        windowTail: s.windowTail,
      });
      applyPage(s, result);
      publish();
    }
  });

  return await CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    s.state = s.error !== undefined ? 'failed' : s.state === 'cancelling' ? 'cancelled' : 'completed';
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
    publish();
    if (s.state === 'failed')
      throw ApplicationFailure.nonRetryable(
        `verify job ${input.jobId} stopped: ${s.error}. The report so far is in ${input.reportJsonl}.`,
        'JobFailed',
      );
    return progress();
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

function applyPage(s: VerifyRunState, page: VerifyPageResult): void {
  addVerifyCounters(s.counters, page.counters);
  s.writers = mergeWriters(s.writers, page.writers);
  s.cursor = page.next;
  s.eof = page.eof;
  s.pages = page.page;
  s.sourceBytes = page.sourceBytes;
  s.windowTail = page.windowTail;
  if (page.error !== undefined) {
    s.error = page.error;
    s.state = 'failed';
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } } | null)?.cause?.message;
  return cause ?? (err instanceof Error ? err.message : String(err));
}

function clamp(n: number): number {
  return Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(n)));
}

function shouldContinueAsNew(afterEvents = 2_500): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= afterEvents;
}
