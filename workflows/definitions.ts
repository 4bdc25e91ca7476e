/**
 * Names shared by the workflows, the client library and the tests: workflow IDs, updates,
 * queries and signals. Deterministic, no I/O.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JobControl, JobProgress } from './bulkTypes.js';
import type { ImportFriendsProgress, Submission, SubmissionAccepted, SubmissionOutcome } from './types.js';

/** One workflow per user per app: the ID is what makes G1 (one writer per user) hold. */
export function importFriendsWorkflowId(sdkAppId: number, fromAccount: string): string {
  return `friend-import:${sdkAppId}:${fromAccount}`;
}

/** The task queue whose `maxTaskQueueActivitiesPerSecond` is the app's friend_import rate (G2). */
export function callsTaskQueue(taskQueue: string, sdkAppId: number): string {
  return `${taskQueue}:im-calls:${sdkAppId}`;
}

/** Adds a submission to the user's import; answers as soon as the items are queued. */
export const addItemsUpdate = defineUpdate<SubmissionAccepted, [Submission]>('addItems');

/**
 * The same as `addItemsUpdate` without an answer, for Signal-with-Start: a bulk job's delivery
 * needs no acceptance (its reader validated the rows) and should not wait for a workflow task.
 */
export const addItemsSignal = defineSignal<[Submission]>('addItemsSignal');

/** The outcomes of one submission so far (`done` once every item has one); carried across continue-as-new. */
export const submissionQuery = defineQuery<SubmissionOutcome, [string]>('submission');

export const progressQuery = defineQuery<ImportFriendsProgress>('progress');

/** Sent by ImportFriendsWorkflow to a bulk job with the outcomes of its submissions, once none of them is pending. */
export const submissionsDoneSignal = defineSignal<[SubmissionOutcome[]]>('submissionsDone');

/** Sent to a submission's `notify` workflow when the user's import failed for good (configuration). */
export const importFailedSignal =
  defineSignal<[{ fromAccount: string; submissionIds: string[]; message: string }]>('importFailed');

/** Sent by a bulk job to the users it fed: hold (pause), release (resume) or drop (cancel) its queued items. */
export const jobControlSignal = defineSignal<[JobControl]>('jobControl');

/** One workflow per bulk job. */
export function bulkJobWorkflowId(jobId: string): string {
  return `friend-import-job:${jobId}`;
}

export const jobProgressQuery = defineQuery<JobProgress>('jobProgress');
/** Stops new calls for the job's users (the call in flight finishes). */
export const pauseJobUpdate = defineUpdate<JobProgress>('pause');
export const resumeJobUpdate = defineUpdate<JobProgress>('resume');
/** Stops reading, drops the job's queued items (outcome `cancelled`), writes the report and ends. */
export const cancelJobUpdate = defineUpdate<JobProgress>('cancel');
/** Changes how many users the job keeps in flight. */
export const setConcurrencyUpdate = defineUpdate<JobProgress, [number]>('setConcurrency');
