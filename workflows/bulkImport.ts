/**
 * BulkImportWorkflow: one per file job (docs/architecture.md, the bulk path). It runs the file as
 * a series of pages, one at a time; each page is one long, heartbeating importPage activity that
 * makes the friend_import calls for all the users in it. The job keeps the cursor (never the
 * file), the counters and the state; it can be paused, resumed, cancelled and re-sized while it
 * runs, writes the failure report at the end, and continues as new so its history stays bounded
 * for any file size. It starts no workflow per user.
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
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities } from '../core/activities.js';
import {
  MAX_CONCURRENCY,
  addCounters,
  concurrencyProblem,
  emptyCounters,
  type BulkJobInput,
  type JobCounters,
  type JobProgress,
  type JobState,
  type JobSummary,
  type PageResult,
  type SourceCursor,
} from '../core/jobTypes.js';
import {
  cancelJobUpdate,
  jobControlQuery,
  jobProgressQuery,
  pauseJobUpdate,
  resumeJobUpdate,
  setConcurrencyUpdate,
} from '../core/definitions.js';
import { FailedKey, ImportedKey, JobIdKey, StateKey } from '../core/searchAttributes.js';

/** What a job carries from run to run (continue-as-new). */
export interface JobRunState {
  cursor: SourceCursor;
  eof: boolean;
  state: JobState;
  concurrency: number;
  counters: JobCounters;
  /** Pages completed so far; the next page is `pages + 1`. */
  pages: number;
  startedAt: number;
  sourceBytes: number;
  /** The last page's last second of calls, which still count for the next page (the app-wide rate). */
  windowTail: number[];
  /** The last page stopped early (paused): the next one may re-send items that already landed. */
  resumed: boolean;
  error?: string;
}

export const DEFAULT_PAGE_ITEMS = 500_000;

/** A page runs as long as its lines take; its heartbeat says it is alive (a worker killed
 * mid-page is noticed within 20 s, and the page resumes from its last checkpoint). */
const pageActivity = (summary: string) =>
  proxyActivities<JobActivities>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '20s',
    // A retry waits at least two seconds: the failed attempt's last calls leave the app's window first.
    retry: { initialInterval: '2s', maximumInterval: '30s', nonRetryableErrorTypes: ['SourceUnreadable'] },
    summary,
  });
const quick = proxyActivities<JobActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function BulkImportWorkflow(input: BulkJobInput, carried?: JobRunState): Promise<JobSummary> {
  const jobWorkflowId = workflowInfo().workflowId;
  const s: JobRunState = carried ?? {
    cursor: { offset: 0, line: 1 },
    eof: false,
    state: 'running',
    concurrency: clamp(input.concurrency),
    counters: emptyCounters(),
    pages: 0,
    startedAt: Date.now(),
    sourceBytes: 0,
    windowTail: [],
    resumed: false,
  };

  const progress = (): JobProgress => ({
    ...s.counters,
    failedByCode: { ...s.counters.failedByCode },
    jobId: input.jobId,
    state: s.state,
    inFlight: 0,
    concurrency: s.concurrency,
    offset: s.cursor.offset,
    sourceBytes: s.sourceBytes,
    eof: s.eof,
    startedAt: s.startedAt,
    elapsedMs: Date.now() - s.startedAt,
    pages: s.pages,
    ...(s.error !== undefined && { error: s.error }),
    reportJsonl: input.reportJsonl,
    reportCsv: input.reportCsv,
  });
  const publish = (): void => {
    const c = s.counters;
    setCurrentDetails(
      `Job **${input.jobId}** (${s.state}): page ${s.pages}, ${c.lines} lines, ${c.items} items — ` +
        `${c.imported} imported, ${c.failed} failed, ${c.calls} friend_import calls.`,
    );
    upsertSearchAttributes([
      { key: JobIdKey, value: input.jobId },
      { key: StateKey, value: s.state },
      { key: ImportedKey, value: c.imported },
      { key: FailedKey, value: c.failed },
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
  // `temporal workflow cancel` (or the client's cancel) is the same as the cancel command: the
  // running page sees it through its control query and ends its items as `cancelled`.
  CancellationScope.current().cancelRequested.catch(cancel);

  await CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => s.state !== 'paused');
      if (s.state !== 'running' || s.eof) break;
      if (shouldContinueAsNew(input.continueAsNewAfterEvents)) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof BulkImportWorkflow>(input, s);
      }
      const page = s.pages + 1;
      const result = await pageActivity(`page ${page} from line ${s.cursor.line}`).importPage({
        jobId: input.jobId,
        jobWorkflowId,
        page,
        source: input.source,
        cursor: s.cursor,
        limits: { maxLines: input.pageLines, maxItems: input.pageItems ?? DEFAULT_PAGE_ITEMS },
        reportDir: input.reportDir,
        concurrency: s.concurrency,
        ...(s.resumed && { resumed: true }),
        windowTail: s.windowTail,
      });
      applyPage(s, result);
      publish();
    }
  });

  return await CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    s.state = s.error !== undefined ? 'failed' : s.state === 'cancelling' ? 'cancelled' : 'completed';
    await quick.finalizeReport({
      reportDir: input.reportDir,
      reportJsonl: input.reportJsonl,
      reportCsv: input.reportCsv,
    });
    publish();
    if (s.state === 'failed')
      throw ApplicationFailure.nonRetryable(
        `job ${input.jobId} stopped: ${s.error}. The report so far is in ${input.reportJsonl}.`,
        'JobFailed',
      );
    return { ...progress(), reportJsonl: input.reportJsonl, reportCsv: input.reportCsv };
  });
}

/** Counts a page once (its activity completes once) and moves the cursor past what it settled. */
function applyPage(s: JobRunState, page: PageResult): void {
  addCounters(s.counters, page.counters);
  s.cursor = page.next;
  s.eof = page.eof;
  s.pages = page.page;
  s.sourceBytes = page.sourceBytes;
  s.windowTail = page.windowTail;
  s.resumed = page.stopped === 'paused';
  if (page.error !== undefined) {
    s.error = page.error;
    s.state = 'failed';
  }
}

function clamp(n: number): number {
  return Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(n)));
}

function shouldContinueAsNew(afterEvents = 2_500): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= afterEvents;
}
