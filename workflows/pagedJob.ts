/**
 * The pieces an import job (workflows/bulkImport.ts) and a verify job (workflows/verifyJob.ts)
 * share, as deterministic helpers each job calls in its own loop: the run state they carry across
 * continue-as-new, the queries and updates that let the same commands pause, resume, cancel and
 * re-size either, the page activity and its input, what they publish to the Temporal UI, and how a
 * job settles and fails.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities, ReportFiles } from '../core/activities.js';
import {
  MAX_CONCURRENCY,
  type BulkJobInput,
  concurrencyProblem,
  type JobPageInput,
  type JobProgress,
  type JobState,
  type PageCounters,
  type PageEnd,
  type SourceCursor,
  type SourceIdentity,
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
import { shouldContinueAsNew } from './history.js';

/**
 * Items per page at most, beside `--page-lines`: a page streams its lines and checkpoints every
 * second, so its size bounds neither memory nor the work redone after a crash; every page boundary
 * costs a tail (the page's last users finish their calls one after another) and a few events.
 */
const DEFAULT_PAGE_ITEMS = 2_000_000;
/** A job continues as new after this many history events (or when the server suggests it). */
const JOB_HISTORY_EVENTS = 2_500;

/** What every job carries from run to run (continue-as-new). */
export interface JobRun<C> {
  cursor: SourceCursor;
  eof: boolean;
  state: JobState;
  concurrency: number;
  counters: C;
  /** Pages completed so far; the next page is `pages + 1`. */
  pages: number;
  startedAt: number;
  sourceBytes: number;
  /** The source as the first page found it: every later page checks the file against it. */
  sourceIdentity?: SourceIdentity;
  /** The last page's last second of calls, which still count for the next page (the app-wide rate). */
  windowTail: number[];
  error?: string;
}

/** What every job's input says about its file, its pages and its report. */
type PagedJobInput = Pick<
  BulkJobInput,
  | 'jobId'
  | 'sdkAppId'
  | 'source'
  | 'reportDir'
  | 'reportJsonl'
  | 'reportCsv'
  | 'pageLines'
  | 'pageItems'
  | 'continueAsNewAfterEvents'
>;

/** The report at a job's end (an import's or a sync's): minutes at most, retried until written. */
export const reports = proxyActivities<JobActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** A job's first run: at the start of the file, running. */
export function firstRun<C>(concurrency: number, counters: C): JobRun<C> {
  return {
    cursor: { offset: 0, line: 1 },
    eof: false,
    state: 'running',
    concurrency: Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(concurrency))),
    counters,
    pages: 0,
    startedAt: Date.now(),
    sourceBytes: 0,
    windowTail: [],
  };
}

/** The part of a job's progress that is about its run, not what it counts. */
export function runFigures(s: JobRun<unknown>) {
  return {
    inFlight: 0,
    concurrency: s.concurrency,
    offset: s.cursor.offset,
    sourceBytes: s.sourceBytes,
    eof: s.eof,
    startedAt: s.startedAt,
    elapsedMs: Date.now() - s.startedAt,
    pages: s.pages,
  };
}

/** How a job's progress ends: why it failed, if it did, and where its report goes. */
export function errorAndReport(s: JobRun<unknown>, input: PagedJobInput) {
  return {
    ...(s.error !== undefined && { error: s.error }),
    reportJsonl: input.reportJsonl,
    reportCsv: input.reportCsv,
  };
}

/** The job's report files, as the report activities take them. */
export function reportFiles(input: PagedJobInput): ReportFiles {
  return { reportDir: input.reportDir, reportJsonl: input.reportJsonl, reportCsv: input.reportCsv };
}

/** Waits out a pause; then whether the job has a page to run (it runs and the file goes on). */
export async function morePages(s: JobRun<unknown>): Promise<boolean> {
  await condition(() => s.state !== 'paused');
  return s.state === 'running' && !s.eof;
}

/**
 * Between pages, continues as new once the history is long (or the server suggests it), after
 * every update has been answered: no run's history grows with the file.
 */
export async function continueAsNewWhenLong(input: PagedJobInput, next: () => Promise<never>): Promise<void> {
  if (!shouldContinueAsNew(input.continueAsNewAfterEvents ?? JOB_HISTORY_EVENTS)) return;
  await condition(allHandlersFinished);
  await next();
}

/** Once every update has been answered, the job's final state: failed, cancelled or completed. */
export async function settle(s: JobRun<unknown>): Promise<void> {
  await condition(allHandlersFinished);
  s.state = s.error !== undefined ? 'failed' : s.state === 'cancelling' ? 'cancelled' : 'completed';
}

/** What a failed job fails its workflow with: why it stopped and where the report is. */
export function failure(name: string, s: JobRun<unknown>, input: PagedJobInput): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `${name} stopped: ${s.error}. The report so far is in ${input.reportJsonl}.`,
    'JobFailed',
  );
}

/**
 * The queries and updates every job answers alike, so `status`, `pause`, `resume`, `cancel` and
 * `concurrency` work on an import and a verify job without knowing which it is. `temporal workflow
 * cancel` (or the client's cancel) is the same as the cancel update: the running page sees it
 * through its control query and stops.
 */
export function handleCommands(s: JobRun<unknown>, progress: () => JobProgress): void {
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
}

/**
 * The page activities, named for the Temporal UI by where the page starts. A page runs as long as
 * its lines take; its heartbeat says it is alive (a worker killed mid-page is noticed within 20 s,
 * and the page resumes from its last checkpoint). `firstRetryAfter`: how long a failed page waits
 * before its first retry.
 */
export function pageActivities(
  page: number,
  s: JobRun<unknown>,
  firstRetryAfter: '1s' | '2s',
): JobActivities {
  return proxyActivities<JobActivities>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '20s',
    retry: {
      initialInterval: firstRetryAfter,
      maximumInterval: '30s',
      nonRetryableErrorTypes: ['SourceUnreadable'],
    },
    summary: `page ${page} from line ${s.cursor.line}`,
  });
}

/** The input of page `page`: the job's file from its cursor, with the page's own fields in `own`. */
export function pageInput<E extends object>(
  input: PagedJobInput,
  s: JobRun<unknown>,
  page: number,
  own: E,
): JobPageInput & E {
  return {
    jobId: input.jobId,
    ...(input.sdkAppId !== undefined && { sdkAppId: input.sdkAppId }),
    jobWorkflowId: workflowInfo().workflowId,
    page,
    source: input.source,
    ...(s.sourceIdentity && { sourceIdentity: s.sourceIdentity }),
    cursor: s.cursor,
    limits: { maxLines: input.pageLines, maxItems: input.pageItems ?? DEFAULT_PAGE_ITEMS },
    reportDir: input.reportDir,
    concurrency: s.concurrency,
    ...own,
    windowTail: s.windowTail,
  };
}

/**
 * Moves the job past a finished page (its activity completes once, so the job counts it once): the
 * cursor, the pages done, the rate it leaves to the next page; a page that ends with an error
 * fails the job.
 */
export function movePast(s: JobRun<unknown>, page: PageEnd<PageCounters>): void {
  s.cursor = page.next;
  s.eof = page.eof;
  s.pages = page.page;
  s.sourceBytes = page.sourceBytes;
  if (page.sourceIdentity) s.sourceIdentity = page.sourceIdentity;
  s.windowTail = page.windowTail;
  if (page.error !== undefined) {
    s.error = page.error;
    s.state = 'failed';
  }
}

/**
 * Shows the job in the Temporal UI: a line of current details and the search attributes that make
 * it filterable (an import also publishes its imported and failed items).
 */
export function publish(
  jobId: string,
  state: JobState,
  details: string,
  items?: { imported: number; failed: number },
): void {
  setCurrentDetails(details);
  upsertSearchAttributes([
    { key: JobIdKey, value: jobId },
    { key: StateKey, value: state },
    ...(items
      ? [
          { key: ImportedKey, value: items.imported },
          { key: FailedKey, value: items.failed },
        ]
      : []),
  ]);
}
