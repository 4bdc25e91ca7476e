/**
 * Bulk jobs from code: start (or re-attach to) a BulkImportWorkflow for a file, follow it, pause,
 * resume, cancel, change its concurrency, read its summary and report location.
 */
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
  describeJob,
  JobStartError,
  jobHandle,
  newId,
  startJobWorkflow,
  withRunningPage,
  type JobHandle,
  type JobTarget,
} from './jobs.js';

export type BulkTarget = JobTarget;

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
  return newId('job', now);
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
  const existing = await describeJob(target.client, jobId);
  if (existing) {
    // A verify job shares the job ID space: re-attaching an import to it would read its progress as an import's.
    if (existing.kind !== 'import')
      throw new JobStartError(
        `job "${jobId}" exists and is not an import job (it is a ${existing.type}); choose another --job-id`,
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
