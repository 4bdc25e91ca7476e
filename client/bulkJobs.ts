/**
 * Bulk jobs from code: start (or re-attach to) a BulkImportWorkflow for a file, follow it, pause,
 * resume, cancel, change its concurrency, read its summary and report location.
 */
import { resolve } from 'node:path';
import {
  isObjectLocation,
  joinObjectLocation,
  objectLocationProblem,
  parseObjectLocation,
} from '../core/objectLocation.js';
import type { BulkImportWorkflow } from '../workflows/bulkImport.js';
import type { BulkJobInput, JobProgress, JobSummary, PageProgress } from '../core/jobTypes.js';
import {
  existingJob,
  jobStart,
  jobHandle,
  newId,
  startJobWorkflow,
  withRunningPage,
  type JobHandle,
  jobInput,
  JobStartError,
  type PagedJobOptions,
  type SourceOptions,
} from './jobs.js';
import { appField, checkSameApp, type JobTarget } from './jobTarget.js';
import { notifyField } from './notify.js';

export type BulkTarget = JobTarget;

export interface StartJobOptions extends PagedJobOptions, SourceOptions {
  /** Re-using the ID of a job of the same file re-attaches to it (running or finished); of another file, a JobStartError. */
  jobId?: string;
  /**
   * The report's JSONL file, or an `s3://BUCKET/PREFIX` (the report goes in it); the CSV sits beside
   * it. Default `./friend-import-reports/<jobId>/report.jsonl`, or for an `s3://` source
   * `s3://SAME_BUCKET/friend-import-reports/<jobId>/report.jsonl`.
   */
  report?: string;
  /**
   * Accounts first (docs/cli.md, "Accounts first"): before each page's friends are sent, check the
   * accounts its items name (account_check) and create the missing ones (multiaccount_import,
   * UserID only). Items naming an account that cannot be created fail with the reason.
   */
  createAccounts?: boolean;
  /**
   * POST the job's end (completed, cancelled or failed) here as JSON, retried for up to 24 hours
   * (docs/cli.md, "Notifications"): an absolute http(s) URL. Ignored when re-attaching.
   */
  notify?: string;
}

export { DEFAULT_CONCURRENCY, DEFAULT_PAGE_LINES, MAX_CONCURRENCY } from '../core/jobTypes.js';

export function newJobId(now = new Date()): string {
  return newId('job', now);
}

/**
 * Where the report goes: the JSONL, the CSV beside it, and the folder for the parts. `report` is
 * the JSONL's path or `s3://` location; an `s3://` location that does not end in `.jsonl` is a
 * prefix that gets `name` in it. Without one, the default sits beside the source: in the source's
 * bucket under `friend-import-reports/<jobId>/` for an `s3://` source, in
 * `./friend-import-reports/<jobId>/` for a file.
 */
export function reportPaths(
  jobId: string,
  report?: string,
  source?: string,
  name = 'report.jsonl',
): Pick<BulkJobInput, 'reportDir' | 'reportJsonl' | 'reportCsv'> {
  const where =
    report ??
    (source !== undefined && isObjectLocation(source)
      ? `s3://${parseObjectLocation(source).bucket}/friend-import-reports/${jobId}`
      : `friend-import-reports/${jobId}/${name}`);
  let jsonl: string;
  if (isObjectLocation(where)) {
    const problem = objectLocationProblem(where);
    if (problem) throw new JobStartError(problem);
    jsonl = /\.jsonl$/i.test(where) ? where : joinObjectLocation(where, name);
  } else jsonl = resolve(where);
  const base = jsonl.replace(/\.jsonl$/i, '');
  return { reportJsonl: jsonl, reportCsv: `${base}.csv`, reportDir: `${base}.parts` };
}

export type BulkJobHandle = JobHandle<JobProgress, JobSummary>;

export function bulkJob(target: BulkTarget, jobId: string, started = false): BulkJobHandle {
  return jobHandle<typeof BulkImportWorkflow, JobProgress, PageProgress>(
    target,
    jobId,
    started,
    'importPage',
    (job, page) => withRunningPage(job, page.live, page.live),
  );
}

/** Starts a job for a file, or re-attaches to the job with that ID. */
export async function startBulkJob(target: BulkTarget, options: StartJobOptions): Promise<BulkJobHandle> {
  const { jobId, source, paging } = jobStart(options, newJobId);
  const input: BulkJobInput = {
    jobId,
    ...appField(target),
    source,
    ...reportPaths(jobId, options.report, source.path),
    ...paging,
    ...(options.createAccounts === true && { createAccounts: true }),
    ...notifyField(options.notify),
  };
  // An existing job with this ID (running or finished) is re-attached to, never started twice;
  // an ID that names a job of another file is refused: following it would ignore the file given.
  if (await existingJob(target.client, jobId, 'import')) {
    const started = await jobInput<BulkJobInput>(target.client, jobId);
    checkSameApp(jobId, started, target);
    if (started && started.source.path !== input.source.path)
      throw new JobStartError(
        `job "${jobId}" imports ${started.source.path}, not ${input.source.path}: leave out the job ID to start a new job, or give that file to follow it`,
      );
    return bulkJob(target, jobId, false);
  }
  const started = await startJobWorkflow(target, jobId, 'BulkImportWorkflow', {
    input,
    staticSummary: `Bulk friend import ${jobId}: ${input.source.path}`,
    staticDetails: `Imports **${input.source.path}** (${input.source.format}) with up to ${input.concurrency} calls in flight. Report: ${input.reportJsonl}`,
  });
  return bulkJob(target, jobId, started);
}
