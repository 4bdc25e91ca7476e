/**
 * Verify jobs from code (docs/verify.md): start (or re-attach to) a VerifyJobWorkflow for a file,
 * follow it, pause, resume, cancel, read its summary. A verify job lives under the same workflow
 * ID scheme as an import job, so the job commands find it by its ID and tell the two apart by
 * their workflow type.
 */
import type { Client } from '@temporalio/client';
import type { JobProgress } from '../core/jobTypes.js';
import type {
  VerifyJobInput,
  VerifyPageProgress,
  VerifyProgress,
  VerifySummary,
} from '../core/verifyTypes.js';
import { mergeWriters } from '../core/verifyWatch.js';
import type { VerifyJobWorkflow } from '../workflows/verifyJob.js';
import { bulkJobWorkflowId, jobProgressQuery } from '../core/definitions.js';
import { reportPaths, type BulkTarget } from './bulkJobs.js';
import {
  describeJob,
  existingJob,
  jobStart,
  JobStartError,
  jobHandle,
  jobInput,
  newId,
  startJobWorkflow,
  withRunningPage,
  type JobHandle,
  type PagedJobOptions,
  type SourceOptions,
} from './jobs.js';
import { appField, checkSameApp } from './jobTarget.js';
import { notifyField } from './notify.js';

export { describeJob } from './jobs.js';

export interface StartVerifyOptions extends PagedJobOptions, SourceOptions {
  /** The verify job's own ID; re-using the ID of an existing verify job re-attaches to it. */
  jobId?: string;
  /** Compare Remark, GroupName, AddSource, AddWording and custom tags too (friend_get instead of friend_check). */
  fields?: boolean;
  /** The import job of this file: the items it failed with a permanent code must be absent. */
  importJobId?: string;
  /** The diff report's JSONL file; the CSV and the repair file sit beside it. */
  report?: string;
  /** Start an import of the missing and different pairs at the end. */
  repair?: boolean;
  /**
   * POST the verify job's end here as JSON, retried for up to 24 hours (docs/cli.md,
   * "Notifications"): an absolute http(s) URL. Ignored when re-attaching; the repair import does not notify.
   */
  notify?: string;
}

export type VerifyJobHandle = JobHandle<VerifyProgress, VerifySummary>;

export function newVerifyId(now = new Date()): string {
  return newId('verify', now);
}

/** The diff report (JSONL, CSV beside it), the folder for the parts, and the repair file. */
export function verifyReportPaths(
  jobId: string,
  report?: string,
  source?: string,
): Pick<VerifyJobInput, 'reportDir' | 'reportJsonl' | 'reportCsv' | 'repairJsonl'> {
  const paths = reportPaths(jobId, report, source, 'verify.jsonl');
  return { ...paths, repairJsonl: paths.reportJsonl.replace(/\.jsonl$/i, '') + '.repair.jsonl' };
}

/**
 * Where an import job keeps its outcome files: from its result, or from the job itself while it
 * runs (its report path; the parts folder sits beside it).
 */
async function importJobReportDir(
  client: Client,
  importJobId: string,
  timeoutMs = 15_000,
): Promise<{ reportDir: string; status: string }> {
  const job = await describeJob(client, importJobId);
  if (!job) throw new JobStartError(`there is no import job "${importJobId}"`);
  if (job.kind !== 'import')
    throw new JobStartError(`job "${importJobId}" is a ${job.kind} job, not an import job`);
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
    throw new JobStartError(
      `import job "${importJobId}" is ${job.status.toLowerCase()} and did not say where its report is (is a worker running?)`,
    );
  return { reportDir: reportPaths(importJobId, known.reportJsonl).reportDir, status: job.status };
}

export function verifyJob(target: BulkTarget, jobId: string, started = false): VerifyJobHandle {
  return jobHandle<typeof VerifyJobWorkflow, VerifyProgress, VerifyPageProgress>(
    target,
    jobId,
    started,
    'verifyPage',
    (job, page) => ({
      ...withRunningPage(job, page.live, { imported: page.live.asExpected, failed: page.live.differ }),
      pairs: job.pairs + page.live.pairs,
      writers: mergeWriters(job.writers, page.writers),
    }),
  );
}

/**
 * Starts a verify job for a file, or re-attaches to the verify job with that ID. With
 * `importJobId`, the import job's outcome folder is looked up first (it must exist).
 */
export async function startVerifyJob(
  target: BulkTarget,
  options: StartVerifyOptions,
): Promise<VerifyJobHandle> {
  const { jobId, source, paging } = jobStart(options, newVerifyId);
  const notify = notifyField(options.notify);
  if (await existingJob(target.client, jobId, 'verify')) {
    checkSameApp(jobId, await jobInput<VerifyJobInput>(target.client, jobId), target);
    return verifyJob(target, jobId, false);
  }
  const importJob = options.importJobId
    ? {
        jobId: options.importJobId,
        reportDir: (await importJobReportDir(target.client, options.importJobId)).reportDir,
      }
    : undefined;
  const repairId = `${jobId}-repair`;
  const paths = verifyReportPaths(jobId, options.report, source.path);
  const input: VerifyJobInput = {
    jobId,
    ...appField(target),
    source,
    fields: options.fields === true,
    ...paths,
    ...(importJob && { importJob }),
    ...(options.repair && {
      repair: {
        jobId: repairId,
        // The repair file is its source: an s3:// one gets its report in the same bucket.
        ...reportPaths(repairId, undefined, paths.repairJsonl),
        concurrency: paging.concurrency,
        pageLines: paging.pageLines,
      },
    }),
    ...paging,
    ...notify,
  };
  const started = await startJobWorkflow(target, jobId, 'VerifyJobWorkflow', {
    input,
    staticSummary: `Verify ${jobId}: ${input.source.path}`,
    staticDetails:
      `Checks that the IM app holds what **${input.source.path}** (${input.source.format}) imports` +
      `${input.fields ? ', fields included' : ''}${importJob ? ` (import job ${importJob.jobId})` : ''}. Report: ${input.reportJsonl}`,
  });
  return verifyJob(target, jobId, started);
}
