/**
 * Verify jobs from code (docs/verify.md): start (or re-attach to) a VerifyJobWorkflow for a file,
 * follow it, pause, resume, cancel, read its summary. A verify job lives under the same workflow
 * ID scheme as an import job, so the job commands find it by its ID and tell the two apart by
 * their workflow type.
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
import { DEFAULT_CONCURRENCY, type JobProgress, type SourceFormat } from '../core/jobTypes.js';
import type {
  VerifyJobInput,
  VerifyPageProgress,
  VerifyProgress,
  VerifySummary,
} from '../core/verifyTypes.js';
import { mergeWriters } from '../core/verifyWatch.js';
import type { VerifyJobWorkflow } from '../workflows/verifyJob.js';
import {
  bulkJobWorkflowId,
  cancelJobUpdate,
  jobProgressQuery,
  pauseJobUpdate,
  resumeJobUpdate,
  setConcurrencyUpdate,
} from '../core/definitions.js';
import { JobIdKey, StateKey } from '../core/searchAttributes.js';
import { assertConcurrency, DEFAULT_PAGE_LINES, reportPaths, type BulkTarget } from './bulkJobs.js';

export type JobKind = 'import' | 'verify';

/** The workflow type of each kind of job. */
export const JOB_WORKFLOW_TYPES: Record<string, JobKind> = {
  BulkImportWorkflow: 'import',
  VerifyJobWorkflow: 'verify',
};

export class VerifyStartError extends Error {
  override name = 'VerifyStartError';
}

export interface StartVerifyOptions {
  /** The verify job's own ID; re-using the ID of an existing verify job re-attaches to it. */
  jobId?: string;
  path: string;
  format: SourceFormat;
  /** Compare Remark, GroupName, AddSource, AddWording and custom tags too (friend_get instead of friend_check). */
  fields?: boolean;
  /** The import job of this file: the items it failed with a permanent code must be absent. */
  importJobId?: string;
  /** The diff report's JSONL file; the CSV and the repair file sit beside it. */
  report?: string;
  /** Start an import of the missing and different pairs at the end. */
  repair?: boolean;
  /** Users checked at once: a whole number 1–MAX_CONCURRENCY (default 100). */
  concurrency?: number;
  pageLines?: number;
  pageItems?: number;
  continueAsNewAfterEvents?: number;
}

export interface VerifyJobHandle {
  jobId: string;
  workflowId: string;
  started: boolean;
  progress(): Promise<VerifyProgress>;
  /** Waits for the end: the summary, or a `WorkflowFailedError` saying why the job stopped. */
  result(): Promise<VerifySummary>;
  pause(): Promise<VerifyProgress>;
  resume(): Promise<VerifyProgress>;
  cancel(): Promise<VerifyProgress>;
  setConcurrency(n: number): Promise<VerifyProgress>;
  status(): Promise<string>;
}

export function newVerifyId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `verify-${stamp}-${randomUUID().slice(0, 8)}`;
}

/** The diff report (JSONL, CSV beside it), the folder for the parts, and the repair file. */
export function verifyReportPaths(
  jobId: string,
  report?: string,
): Pick<VerifyJobInput, 'reportDir' | 'reportJsonl' | 'reportCsv' | 'repairJsonl'> {
  const paths = reportPaths(jobId, report ?? `friend-import-reports/${jobId}/verify.jsonl`);
  return { ...paths, repairJsonl: paths.reportJsonl.replace(/\.jsonl$/i, '') + '.repair.jsonl' };
}

/** The kind of job behind an ID, from its workflow type (undefined: no such job). */
export async function describeJob(
  client: Client,
  jobId: string,
): Promise<{ status: string; kind: JobKind | 'other' } | undefined> {
  try {
    const d = await client.workflow.getHandle(bulkJobWorkflowId(jobId)).describe();
    return { status: d.status.name, kind: JOB_WORKFLOW_TYPES[d.type] ?? 'other' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Where an import job keeps its outcome files: from its result, or from the job itself while it
 * runs (its report path; the parts folder sits beside it).
 */
export async function importJobReportDir(
  client: Client,
  importJobId: string,
  timeoutMs = 15_000,
): Promise<{ reportDir: string; status: string }> {
  const job = await describeJob(client, importJobId);
  if (!job) throw new VerifyStartError(`there is no import job "${importJobId}"`);
  if (job.kind !== 'import')
    throw new VerifyStartError(`job "${importJobId}" is a ${job.kind} job, not an import job`);
  const handle = client.workflow.getHandle(bulkJobWorkflowId(importJobId));
  let known: JobProgress | undefined;
  if (job.status === 'COMPLETED') known = (await handle.result()) as JobProgress;
  else {
    let timer: NodeJS.Timeout | undefined;
    known = await Promise.race([
      handle.query(jobProgressQuery).catch(() => undefined),
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }
  if (!known?.reportJsonl)
    throw new VerifyStartError(
      `import job "${importJobId}" is ${job.status.toLowerCase()} and did not say where its report is (is a worker running?)`,
    );
  return { reportDir: reportPaths(importJobId, known.reportJsonl).reportDir, status: job.status };
}

export function verifyJob(target: BulkTarget, jobId: string, started = false): VerifyJobHandle {
  const workflowId = bulkJobWorkflowId(jobId);
  const handle = (): WorkflowHandle<typeof VerifyJobWorkflow> => target.client.workflow.getHandle(workflowId);
  const update = async (p: Promise<JobProgress>): Promise<VerifyProgress> => (await p) as VerifyProgress;
  return {
    jobId,
    workflowId,
    started,
    progress: () => liveVerifyProgress(target.client, handle()),
    result: () => handle().result(),
    pause: () => update(handle().executeUpdate(pauseJobUpdate)),
    resume: () => update(handle().executeUpdate(resumeJobUpdate)),
    cancel: () => update(handle().executeUpdate(cancelJobUpdate)),
    setConcurrency: (n) => update(handle().executeUpdate(setConcurrencyUpdate, { args: [n] })),
    status: async () => (await handle().describe()).status.name,
  };
}

/** The job's progress plus what its running page reported in its last heartbeat. */
export async function liveVerifyProgress(
  client: Client,
  handle: WorkflowHandle<typeof VerifyJobWorkflow>,
): Promise<VerifyProgress> {
  const [base, page] = await Promise.all([
    handle.query(jobProgressQuery) as Promise<VerifyProgress>,
    runningPage(client, handle),
  ]);
  if (!page || page.page <= base.pages) return base;
  const live = page.live;
  return {
    ...base,
    lines: base.lines + live.linesRead,
    users: base.users + live.usersRead,
    items: base.items + live.items,
    pairs: base.pairs + live.pairs,
    imported: base.imported + live.asExpected,
    failed: base.failed + live.differ,
    calls: base.calls + live.calls,
    inFlight: live.inFlight,
    offset: Math.max(base.offset, live.bytesRead),
    sourceBytes: base.sourceBytes || live.sourceBytes,
    writers: mergeWriters(base.writers, page.writers),
  };
}

async function runningPage(
  client: Client,
  handle: WorkflowHandle<typeof VerifyJobWorkflow>,
): Promise<VerifyPageProgress | undefined> {
  const description = await handle.describe().catch(() => undefined);
  const pending = description?.raw.pendingActivities?.find((a) => a.activityType?.name === 'verifyPage');
  const payloads = pending?.heartbeatDetails?.payloads;
  if (!payloads?.length) return undefined;
  const [details] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return details as VerifyPageProgress | undefined;
}

/**
 * Starts a verify job for a file, or re-attaches to the verify job with that ID. With
 * `importJobId`, the import job's outcome folder is looked up first (it must exist).
 */
export async function startVerifyJob(
  target: BulkTarget,
  options: StartVerifyOptions,
): Promise<VerifyJobHandle> {
  assertConcurrency(options.concurrency);
  const jobId = options.jobId ?? newVerifyId();
  const existing = await describeJob(target.client, jobId);
  if (existing) {
    if (existing.kind !== 'verify')
      throw new VerifyStartError(`job "${jobId}" exists and is a ${existing.kind} job, not a verify job`);
    return verifyJob(target, jobId, false);
  }
  const importJob = options.importJobId
    ? {
        jobId: options.importJobId,
        reportDir: (await importJobReportDir(target.client, options.importJobId)).reportDir,
      }
    : undefined;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const pageLines = options.pageLines ?? DEFAULT_PAGE_LINES;
  const repairId = `${jobId}-repair`;
  const input: VerifyJobInput = {
    jobId,
    source: { path: resolve(options.path), format: options.format },
    fields: options.fields === true,
    ...verifyReportPaths(jobId, options.report),
    ...(importJob && { importJob }),
    ...(options.repair && {
      repair: { jobId: repairId, ...reportPaths(repairId), concurrency, pageLines },
    }),
    concurrency,
    pageLines,
    ...(options.pageItems !== undefined && { pageItems: options.pageItems }),
    ...(options.continueAsNewAfterEvents
      ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents }
      : {}),
  };
  try {
    await target.client.workflow.start<typeof VerifyJobWorkflow>('VerifyJobWorkflow', {
      workflowId: bulkJobWorkflowId(jobId),
      taskQueue: target.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: JobIdKey, value: jobId },
        { key: StateKey, value: 'running' },
      ],
      staticSummary: `Verify ${jobId}: ${input.source.path}`,
      staticDetails:
        `Checks that the IM app holds what **${input.source.path}** (${input.source.format}) imports` +
        `${input.fields ? ', fields included' : ''}${importJob ? ` (import job ${importJob.jobId})` : ''}. Report: ${input.reportJsonl}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return verifyJob(target, jobId, false);
  }
  return verifyJob(target, jobId, true);
}
