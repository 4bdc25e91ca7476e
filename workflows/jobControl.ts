/**
 * What an import job (workflows/bulkImport.ts) and a verify job (workflows/verifyJob.ts) do alike,
 * as deterministic helpers: the run state they carry across continue-as-new, the queries and
 * updates that let the same commands pause, resume, cancel and re-size either, the page loop, the
 * page activity and its input, what they publish to the Temporal UI, and how a job ends.
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
import type { JobActivities } from '../core/activities.js';
import {
  MAX_CONCURRENCY,
  concurrencyProblem,
  type JobPageInput,
  type JobProgress,
  type JobState,
  type PageCounters,
  type PageEnd,
  type SourceCursor,
  type SourceFormat,
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
  /** The last page's last second of calls, which still count for the next page (the app-wide rate). */
  windowTail: number[];
  error?: string;
}

/** What a job's input says about its pages. */
export interface PagedJobInput {
  jobId: string;
  source: { path: string; format: SourceFormat };
  reportDir: string;
  reportJsonl: string;
  reportCsv: string;
  pageLines: number;
  pageItems?: number;
  continueAsNewAfterEvents?: number;
}

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

/** What makes one kind of job: its figures, its pages, its end. */
export interface JobSpec<C, R extends PageEnd<PageCounters>, T> {
  progress: () => JobProgress;
  /** The job's line of current details in the Temporal UI, after each page and at the end. */
  details: (counters: C) => string;
  /** An import also publishes its imported and failed items as search attributes. */
  items?: () => { imported: number; failed: number };
  /** Before the first page of the run. */
  prepare?: () => Promise<void>;
  continueAsNew: () => Promise<never>;
  /** How long a failed page waits before its first retry. */
  firstRetryAfter: '1s' | '2s';
  /** Runs page `page` with `activities` (named for that page). */
  runPage: (page: number, activities: JobActivities) => Promise<R>;
  /** Counts a finished page into the job's own counters (the cursor moves on by itself). */
  countPage: (page: R) => void;
  /** `job ID` or `verify job ID`, for the message of a failed job. */
  name: string;
  /** Writes the report at the end (and whatever else comes with it). */
  finalize: () => Promise<void>;
  result: () => T;
}

/**
 * Runs a job: answers the job commands from the start, runs its pages one at a time while it
 * runs, continues as new when its history is long, and ends it (docs/architecture.md, the bulk
 * path; docs/verify.md).
 */
export async function runJob<C, R extends PageEnd<PageCounters>, T>(
  s: JobRun<C>,
  input: PagedJobInput,
  job: JobSpec<C, R, T>,
): Promise<T> {
  handleJobControl(s, job.progress);
  const publish = (): void => publishJob(input.jobId, s.state, job.details(s.counters), job.items?.());
  // Page after page, one at a time, while the job runs (waiting out a pause); a new run between
  // pages once the history is long enough.
  await CancellationScope.nonCancellable(async () => {
    await job.prepare?.();
    for (;;) {
      await condition(() => s.state !== 'paused');
      if (s.state !== 'running' || s.eof) break;
      if (shouldContinueAsNew(input.continueAsNewAfterEvents ?? JOB_HISTORY_EVENTS)) {
        await condition(allHandlersFinished);
        await job.continueAsNew();
      }
      const page = s.pages + 1;
      const result = await job.runPage(page, pageActivities(page, s, job.firstRetryAfter));
      job.countPage(result);
      movePast(s, result);
      publish();
    }
  });
  // The end, once every update has been answered: the final state, the report, what the job
  // publishes; a failed job fails its workflow with why it stopped and where the report is.
  return await CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    s.state = s.error !== undefined ? 'failed' : s.state === 'cancelling' ? 'cancelled' : 'completed';
    await job.finalize();
    publish();
    if (s.state === 'failed')
      throw ApplicationFailure.nonRetryable(
        `${job.name} stopped: ${s.error}. The report so far is in ${input.reportJsonl}.`,
        'JobFailed',
      );
    return job.result();
  });
}

/**
 * The queries and updates every job answers alike, so `status`, `pause`, `resume`, `cancel` and
 * `concurrency` work on an import and a verify job without knowing which it is. `temporal workflow
 * cancel` (or the client's cancel) is the same as the cancel update: the running page sees it
 * through its control query and stops.
 */
function handleJobControl(s: JobRun<unknown>, progress: () => JobProgress): void {
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
 * and the page resumes from its last checkpoint).
 */
function pageActivities(page: number, s: JobRun<unknown>, firstRetryAfter: '1s' | '2s'): JobActivities {
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
    jobWorkflowId: workflowInfo().workflowId,
    page,
    source: input.source,
    cursor: s.cursor,
    limits: { maxLines: input.pageLines, maxItems: input.pageItems ?? DEFAULT_PAGE_ITEMS },
    reportDir: input.reportDir,
    concurrency: s.concurrency,
    ...own,
    windowTail: s.windowTail,
  };
}

/**
 * Moves the job past a finished page (its activity completes once, so it is counted once, by the
 * job's `countPage`): the cursor, the pages done, the rate it leaves to the next page.
 */
function movePast(s: JobRun<unknown>, page: PageEnd<PageCounters>): void {
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

/**
 * Shows the job in the Temporal UI: a line of current details and the search attributes that make
 * it filterable (an import also publishes its imported and failed items).
 */
function publishJob(
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
