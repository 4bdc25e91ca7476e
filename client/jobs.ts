/**
 * What the library's import jobs (client/bulkJobs.ts) and verify jobs (client/verifyJobs.ts) share. Both
 * live under one workflow ID scheme, so a job is found by its ID and told apart by its workflow
 * type; both answer the same queries and updates, so one kind of handle follows, pauses, resumes,
 * cancels and re-sizes either; and both are started once under their ID, a second start
 * re-attaching to the job that holds it.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type Workflow,
  type WorkflowHandle,
  type WorkflowResultType,
} from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  concurrencyProblem,
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_LINES,
  formatByExtension,
  jobIdProblem,
  type BulkJobInput,
  type JobProgress,
  type PageLiveBase,
  type SourceFormat,
} from '../core/jobTypes.js';
import type { VerifyJobInput } from '../core/verifyTypes.js';
import {
  bulkJobWorkflowId,
  cancelJobUpdate,
  jobProgressQuery,
  pauseJobUpdate,
  resumeJobUpdate,
  setConcurrencyUpdate,
} from '../core/definitions.js';
import { JobIdKey, StateKey } from '../core/searchAttributes.js';
import { isObjectLocation, objectLocationProblem } from '../core/objectLocation.js';
import type { JobTarget } from './jobTarget.js';
import type { SyncJobInput } from '../core/syncTypes.js';

export type JobKind = 'import' | 'verify' | 'sync';

/** The workflow type of each kind of job. */
const JOB_WORKFLOW_TYPES: Record<string, JobKind> = {
  BulkImportWorkflow: 'import',
  VerifyJobWorkflow: 'verify',
  SyncJobWorkflow: 'sync',
};

/** A new job ID: `<prefix>-<UTC time>-<random>`. */
export function newId(prefix: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${prefix}-${stamp}-${randomUUID().slice(0, 8)}`;
}

/**
 * A job that cannot start as asked, for a reason the caller can fix (an ID taken by a job of
 * another kind, an import job to compare with that does not exist); the CLI exits 2 on it.
 */
export class JobStartError extends Error {
  override name = 'JobStartError';
}

/** The job behind an ID: its server status, its kind and workflow type (undefined: no such job). */
export async function describeJob(
  client: Client,
  jobId: string,
): Promise<{ status: string; kind: JobKind | 'other'; type: string } | undefined> {
  try {
    const d = await client.workflow.getHandle(bulkJobWorkflowId(jobId)).describe();
    return { status: d.status.name, kind: JOB_WORKFLOW_TYPES[d.type] ?? 'other', type: d.type };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Whether a job of `kind` already holds `jobId` (the caller re-attaches to it); a job of another
 * kind there is a JobStartError, since re-attaching would read its progress as the wrong kind's.
 */
export async function existingJob(client: Client, jobId: string, kind: JobKind): Promise<boolean> {
  const existing = await describeJob(client, jobId);
  if (!existing) return false;
  if (existing.kind !== kind)
    throw new JobStartError(
      `job "${jobId}" exists and is not ${kind === 'import' ? 'an import' : `a ${kind}`} job (it is a ${existing.type}); choose another --job-id`,
    );
  return true;
}

/** The options every paged job takes (client/bulkJobs.ts, client/verifyJobs.ts). */
export interface PagedJobOptions {
  /** Calls in flight at once: a whole number 1–MAX_CONCURRENCY (default 100). */
  concurrency?: number;
  pageLines?: number;
  pageItems?: number;
  continueAsNewAfterEvents?: number;
}

/** Those options as the job's input fields, defaults filled in (the concurrency checked). */
function pagedJobFields(
  options: PagedJobOptions,
): Pick<BulkJobInput, 'concurrency' | 'pageLines' | 'pageItems' | 'continueAsNewAfterEvents'> {
  const problem = options.concurrency === undefined ? undefined : concurrencyProblem(options.concurrency);
  // The job workflow would clamp it without a word; a caller should learn the number is not used.
  if (problem) throw new RangeError(problem);
  return {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    pageLines: options.pageLines ?? DEFAULT_PAGE_LINES,
    ...(options.pageItems !== undefined && { pageItems: options.pageItems }),
    ...(options.continueAsNewAfterEvents
      ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents }
      : {}),
  };
}

/** `id` if it can name a job (core/jobTypes.ts, `jobIdProblem`), else a JobStartError saying why. */
export function checkedJobId(id: string): string {
  const problem = jobIdProblem(id);
  if (problem) throw new JobStartError(problem);
  return id;
}

/** Where a job reads: the file, and its format as given or as its extension says. */
export interface SourceOptions {
  /** A local file, or an object in an S3-compatible store (`s3://BUCKET/KEY`). */
  path: string;
  /** Default: by the file's extension (`.jsonl`, `.ndjson`, `.csv`). */
  format?: SourceFormat;
}

/**
 * The job's source: a path made absolute (workers resolve nothing against the caller's folder), or
 * an `s3://BUCKET/KEY` object as written.
 */
export function jobSource(options: SourceOptions): { path: string; format: SourceFormat } {
  const problem = objectLocationProblem(options.path);
  if (problem) throw new JobStartError(problem);
  const format = options.format ?? formatByExtension(options.path);
  if (!format)
    throw new JobStartError(
      `cannot tell the format of ${options.path} from its extension: name it .jsonl or .csv, or pass format 'jsonl' or 'csv'`,
    );
  return { path: isObjectLocation(options.path) ? options.path : resolve(options.path), format };
}

/**
 * What a job's start reads from its options, for either kind alike: its ID (checked, or a new one
 * made by `newJobId`), its source and its paging.
 */
export function jobStart(
  options: PagedJobOptions & SourceOptions & { jobId?: string },
  newJobId: () => string,
): { jobId: string; source: BulkJobInput['source']; paging: ReturnType<typeof pagedJobFields> } {
  return {
    jobId: checkedJobId(options.jobId ?? newJobId()),
    source: jobSource(options),
    paging: pagedJobFields(options),
  };
}

/** A job of either kind, by its ID: `P` is its progress, `S` its summary at the end. */
export interface JobHandle<P extends JobProgress, S> {
  jobId: string;
  workflowId: string;
  /** False when the call re-attached to a job that already existed. */
  started: boolean;
  progress(): Promise<P>;
  /** Waits for the end: the summary, or a `WorkflowFailedError` saying why the job stopped. */
  result(): Promise<S>;
  pause(): Promise<P>;
  resume(): Promise<P>;
  cancel(): Promise<P>;
  setConcurrency(n: number): Promise<P>;
  /** Running, completed, failed …, from the server. */
  status(): Promise<string>;
}

/**
 * A handle on the job `jobId` run by workflow `W`. Its progress is the job's own counters (pages
 * completed) plus what the running page (activity `pageActivity`) reported in its last heartbeat,
 * put on top by `addPage`, so a job made of one long page still shows its items as they settle.
 */
export function jobHandle<W extends Workflow, P extends JobProgress, D extends { page: number }>(
  target: JobTarget,
  jobId: string,
  started: boolean,
  pageActivity: string,
  addPage: (job: P, page: D) => P,
): JobHandle<P, WorkflowResultType<W>> {
  const workflowId = bulkJobWorkflowId(jobId);
  const handle = (): WorkflowHandle<W> => target.client.workflow.getHandle<W>(workflowId);
  // Every job's updates answer with its progress (a verify's is a JobProgress with more in it).
  const update = async (p: Promise<JobProgress>): Promise<P> => (await p) as P;
  return {
    jobId,
    workflowId,
    started,
    progress: () => liveProgress(target.client, handle(), pageActivity, addPage),
    result: () => handle().result(),
    pause: () => update(handle().executeUpdate(pauseJobUpdate)),
    resume: () => update(handle().executeUpdate(resumeJobUpdate)),
    cancel: () => update(handle().executeUpdate(cancelJobUpdate)),
    setConcurrency: (n) => update(handle().executeUpdate(setConcurrencyUpdate, { args: [n] })),
    status: async () => (await handle().describe()).status.name,
  };
}

async function liveProgress<P extends JobProgress, D extends { page: number }>(
  client: Client,
  handle: WorkflowHandle,
  pageActivity: string,
  add: (job: P, page: D) => P,
): Promise<P> {
  const [job, page] = await Promise.all([
    handle.query(jobProgressQuery) as Promise<P>,
    runningPage<D>(client, handle, pageActivity),
  ]);
  if (!page || page.page <= job.pages) return job;
  return add(job, page);
}

/** What any running page adds to its job's progress; `settled` is what it counts as done and failed. */
export function withRunningPage<P extends JobProgress>(
  job: P,
  live: PageLiveBase & { usersRead: number },
  settled: { imported: number; failed: number },
): P {
  return {
    ...job,
    lines: job.lines + live.linesRead,
    users: job.users + live.usersRead,
    imported: job.imported + settled.imported,
    failed: job.failed + settled.failed,
    calls: job.calls + live.calls,
    items: job.items + live.items,
    inFlight: live.inFlight,
    offset: Math.max(job.offset, live.bytesRead),
    sourceBytes: job.sourceBytes || live.sourceBytes,
  };
}

/**
 * The input a job was started with: its current run's first event, decoded like any payload (so
 * it works with encryption); every run of a job carries the same input.
 */
export async function jobInput<I>(client: Client, jobId: string): Promise<I | undefined> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: bulkJobWorkflowId(jobId) },
    maximumPageSize: 1,
  });
  const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) return undefined;
  const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return input as I | undefined;
}

/** The running page's last heartbeat (decoded like any payload, so it works with encryption). */
async function runningPage<D>(
  client: Client,
  handle: WorkflowHandle,
  pageActivity: string,
): Promise<D | undefined> {
  const description = await handle.describe().catch(() => undefined);
  const pending = description?.raw.pendingActivities?.find((a) => a.activityType?.name === pageActivity);
  const payloads = pending?.heartbeatDetails?.payloads;
  if (!payloads?.length) return undefined;
  const [details] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return details as D | undefined;
}

/**
 * Starts the job's workflow under the job's ID, filterable by its ID and state in the Temporal UI.
 * Never twice: false when a job already holds the ID (the caller re-attaches to it).
 */
export async function startJobWorkflow(
  target: JobTarget,
  jobId: string,
  workflowType: 'BulkImportWorkflow' | 'VerifyJobWorkflow' | 'SyncJobWorkflow',
  o: { input: BulkJobInput | VerifyJobInput | SyncJobInput; staticSummary: string; staticDetails: string },
): Promise<boolean> {
  try {
    await target.client.workflow.start(workflowType, {
      workflowId: bulkJobWorkflowId(jobId),
      taskQueue: target.taskQueue,
      args: [o.input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: JobIdKey, value: jobId },
        { key: StateKey, value: 'running' },
      ],
      staticSummary: o.staticSummary,
      staticDetails: o.staticDetails,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return false;
  }
  return true;
}
