/**
 * Bulk jobs from code: start (or re-attach to) a BulkImportWorkflow for a file, follow it, pause,
 * resume, cancel, change its concurrency, read its summary and report location.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { BulkImportWorkflow } from '../workflows/bulkImport.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_LINES,
  concurrencyProblem,
  type BulkJobInput,
  type JobProgress,
  type JobSummary,
  type PageProgress,
  type SourceFormat,
} from '../core/jobTypes.js';
import {
  bulkJobWorkflowId,
  cancelJobUpdate,
  jobProgressQuery,
  pauseJobUpdate,
  resumeJobUpdate,
  setConcurrencyUpdate,
} from '../core/definitions.js';
import { JobIdKey, StateKey } from '../core/searchAttributes.js';

export interface BulkTarget {
  client: Client;
  /** The main task queue (workflows and the bulk-job activities). */
  taskQueue: string;
}

export interface StartJobOptions {
  /** Re-using the ID of a running job re-attaches to it; of a finished one returns that job. */
  jobId?: string;
  path: string;
  format: SourceFormat;
  /** The report's JSONL file; the CSV sits beside it. Default `./friend-import-reports/<jobId>/report.jsonl`. */
  report?: string;
  /** friend_import calls in flight at once: a whole number 1–MAX_CONCURRENCY (default 100). */
  concurrency?: number;
  pageLines?: number;
  pageItems?: number;
  continueAsNewAfterEvents?: number;
}

export { DEFAULT_CONCURRENCY, DEFAULT_PAGE_LINES, MAX_CONCURRENCY } from '../core/jobTypes.js';

/**
 * Throws a RangeError for a concurrency outside 1–MAX_CONCURRENCY: the job workflow would clamp
 * it without a word, and a caller should learn that the number they passed is not the one used.
 */
export function assertConcurrency(concurrency: number | undefined): void {
  const problem = concurrency === undefined ? undefined : concurrencyProblem(concurrency);
  if (problem) throw new RangeError(problem);
}

export function newJobId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `job-${stamp}-${randomUUID().slice(0, 8)}`;
}

/** Where the report goes: the JSONL, the CSV beside it, and the folder for the parts. */
export function reportPaths(
  jobId: string,
  report?: string,
): Pick<BulkJobInput, 'reportDir' | 'reportJsonl' | 'reportCsv'> {
  const jsonl = resolve(report ?? `friend-import-reports/${jobId}/report.jsonl`);
  const base = jsonl.replace(/\.jsonl$/i, '');
  return { reportJsonl: jsonl, reportCsv: `${base}.csv`, reportDir: `${base}.parts` };
}

export interface BulkJobHandle {
  jobId: string;
  workflowId: string;
  /** False when the call re-attached to a job that already existed. */
  started: boolean;
  progress(): Promise<JobProgress>;
  /** Waits for the end: the summary, or a `WorkflowFailedError` saying why the job stopped. */
  result(): Promise<JobSummary>;
  pause(): Promise<JobProgress>;
  resume(): Promise<JobProgress>;
  cancel(): Promise<JobProgress>;
  setConcurrency(n: number): Promise<JobProgress>;
  /** Running, completed, failed …, from the server. */
  status(): Promise<string>;
}

export function bulkJob(target: BulkTarget, jobId: string, started = false): BulkJobHandle {
  const workflowId = bulkJobWorkflowId(jobId);
  const handle = (): WorkflowHandle<typeof BulkImportWorkflow> =>
    target.client.workflow.getHandle(workflowId);
  return {
    jobId,
    workflowId,
    started,
    progress: () => liveProgress(target.client, handle()),
    result: () => handle().result(),
    pause: () => handle().executeUpdate(pauseJobUpdate),
    resume: () => handle().executeUpdate(resumeJobUpdate),
    cancel: () => handle().executeUpdate(cancelJobUpdate),
    setConcurrency: (n) => handle().executeUpdate(setConcurrencyUpdate, { args: [n] }),
    status: async () => (await handle().describe()).status.name,
  };
}

/**
 * The job's progress: its own counters (pages completed) plus what the running page reported in
 * its last heartbeat, so a job made of one long page still shows its items as they settle.
 */
export async function liveProgress(
  client: Client,
  handle: WorkflowHandle<typeof BulkImportWorkflow>,
): Promise<JobProgress> {
  const [base, page] = await Promise.all([handle.query(jobProgressQuery), runningPage(client, handle)]);
  if (!page || page.page <= base.pages) return base;
  const live = page.live;
  return {
    ...base,
    lines: base.lines + live.linesRead,
    users: base.users + live.usersRead,
    imported: base.imported + live.imported,
    failed: base.failed + live.failed,
    calls: base.calls + live.calls,
    items: base.items + live.items,
    inFlight: live.inFlight,
    offset: Math.max(base.offset, live.bytesRead),
    sourceBytes: base.sourceBytes || live.sourceBytes,
  };
}

/** The running page's last heartbeat (decoded like any payload, so it works with encryption). */
async function runningPage(
  client: Client,
  handle: WorkflowHandle<typeof BulkImportWorkflow>,
): Promise<PageProgress | undefined> {
  const description = await handle.describe().catch(() => undefined);
  const pending = description?.raw.pendingActivities?.find((a) => a.activityType?.name === 'importPage');
  const payloads = pending?.heartbeatDetails?.payloads;
  if (!payloads?.length) return undefined;
  const [details] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return details as PageProgress | undefined;
}

/** Starts a job for a file, or re-attaches to the job with that ID. */
export async function startBulkJob(target: BulkTarget, options: StartJobOptions): Promise<BulkJobHandle> {
  assertConcurrency(options.concurrency);
  const jobId = options.jobId ?? newJobId();
  const input: BulkJobInput = {
    jobId,
    source: { path: resolve(options.path), format: options.format },
    ...reportPaths(jobId, options.report),
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    ...(options.pageItems !== undefined && { pageItems: options.pageItems }),
    pageLines: options.pageLines ?? DEFAULT_PAGE_LINES,
    ...(options.continueAsNewAfterEvents
      ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents }
      : {}),
  };
  // An existing job with this ID (running or finished) is re-attached to, never started twice.
  const existing = await target.client.workflow
    .getHandle(bulkJobWorkflowId(jobId))
    .describe()
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
  if (existing) {
    // A verify job shares the job ID space: re-attaching an import to it would read its progress as an import's.
    if (existing.type !== 'BulkImportWorkflow')
      throw new Error(
        `job "${jobId}" exists and is not an import job (it is a ${existing.type}); choose another --job-id`,
      );
    return bulkJob(target, jobId, false);
  }
  try {
    await target.client.workflow.start<typeof BulkImportWorkflow>('BulkImportWorkflow', {
      workflowId: bulkJobWorkflowId(jobId),
      taskQueue: target.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: JobIdKey, value: jobId },
        { key: StateKey, value: 'running' },
      ],
      staticSummary: `Bulk friend import ${jobId}: ${input.source.path}`,
      staticDetails: `Imports **${input.source.path}** (${input.source.format}) with up to ${input.concurrency} users in flight. Report: ${input.reportJsonl}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return bulkJob(target, jobId, false);
  }
  return bulkJob(target, jobId, true);
}
