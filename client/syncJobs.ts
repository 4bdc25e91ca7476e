/**
 * Sync jobs from code (docs/cli.md, `sync`): start (or re-attach to) a SyncJobWorkflow that brings
 * the app from an older snapshot (or from what the service holds) to a new one, follow it, pause,
 * resume, cancel, read its summary. A sync job lives under the same workflow ID scheme as an
 * import job, so the job commands find it by its ID.
 */
import type { PageProgress } from '../core/jobTypes.js';
import type { SyncBase, SyncJobInput, SyncProgress, SyncSummary } from '../core/syncTypes.js';
import type { SyncJobWorkflow } from '../workflows/syncJob.js';
import { reportPaths, type BulkTarget } from './bulkJobs.js';
import {
  existingJob,
  jobHandle,
  jobInput,
  jobSource,
  jobStart,
  JobStartError,
  newId,
  startJobWorkflow,
  withRunningPage,
  type JobHandle,
  type PagedJobOptions,
  type SourceOptions,
} from './jobs.js';
import { appField, checkSameApp } from './jobTarget.js';
import { notifyField } from './notify.js';

export interface StartSyncOptions extends PagedJobOptions, SourceOptions {
  /** The sync job's own ID; re-using the ID of an existing sync job re-attaches to it. */
  jobId?: string;
  /**
   * The older snapshot the app holds now (a file or `s3://` object, format by extension unless
   * `sinceFormat`); absent: the app's own friend lists are read (friend_get) for the new snapshot's users.
   */
  since?: string;
  sinceFormat?: SourceOptions['format'];
  /** Delete the pairs the new snapshot no longer has (friend_delete, one-way). Default: keep them. */
  deleteRemoved?: boolean;
  /** The report's JSONL file; the CSV sits beside it, the plan files in its parts folder (`report.parts/plan/`). */
  report?: string;
  /** Items per friend_update call (default 100). */
  updateBatch?: number;
  /** POST the job's end here as JSON (docs/cli.md, "Notifications"). */
  notify?: string;
}

export type SyncJobHandle = JobHandle<SyncProgress, SyncSummary>;

export function newSyncId(now = new Date()): string {
  return newId('sync', now);
}

export function syncJob(target: BulkTarget, jobId: string, started = false): SyncJobHandle {
  return jobHandle<typeof SyncJobWorkflow, SyncProgress, PageProgress>(
    target,
    jobId,
    started,
    'importPage',
    (job, page) => withRunningPage(job, page.live, page.live),
  );
}

/** The base of a sync as its input names it. */
export function syncBase(options: Pick<StartSyncOptions, 'since' | 'sinceFormat'>): SyncBase {
  if (options.since === undefined) return { kind: 'service' };
  const base = jobSource({
    path: options.since,
    ...(options.sinceFormat !== undefined && { format: options.sinceFormat }),
  });
  return { kind: 'file', ...base };
}

/** Starts a sync job, or re-attaches to the sync job with that ID. */
export async function startSyncJob(target: BulkTarget, options: StartSyncOptions): Promise<SyncJobHandle> {
  const { jobId, source, paging } = jobStart(options, newSyncId);
  if (await existingJob(target.client, jobId, 'sync')) {
    checkSameApp(jobId, await jobInput<SyncJobInput>(target.client, jobId), target);
    return syncJob(target, jobId, false);
  }
  const since = syncBase(options);
  if (
    options.updateBatch !== undefined &&
    !(Number.isInteger(options.updateBatch) && options.updateBatch >= 1)
  )
    throw new JobStartError(`updateBatch must be a whole number of 1 or more, not ${options.updateBatch}`);
  const paths = reportPaths(jobId, options.report, source.path);
  const input: SyncJobInput = {
    jobId,
    ...appField(target),
    source,
    since,
    deleteRemoved: options.deleteRemoved === true,
    planDir: `${paths.reportDir.replace(/\/+$/, '')}/plan`,
    ...(options.updateBatch !== undefined && { updateBatch: options.updateBatch }),
    ...paths,
    ...paging,
    ...notifyField(options.notify),
  };
  const from = since.kind === 'file' ? since.path : 'what the app holds';
  const started = await startJobWorkflow(target, jobId, 'SyncJobWorkflow', {
    input,
    staticSummary: `Sync ${jobId}: ${source.path}`,
    staticDetails:
      `Brings the IM app from **${from}** to **${source.path}** (${source.format}): adds, updates` +
      `${input.deleteRemoved ? ' and deletes' : ' (keeps removed pairs)'}. Report: ${input.reportJsonl}`,
  });
  return syncJob(target, jobId, started);
}
