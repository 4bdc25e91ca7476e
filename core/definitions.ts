/**
 * Names shared by the workflows, the activities, the client library and the tests: workflow IDs,
 * updates, queries and signals. Deterministic, no I/O.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CoordinatorState, LeaseRequest, LeaseResponse } from '../coordination/rules/state.js';
import type { JobControl, JobProgress } from './jobTypes.js';
import type {
  ImportFriendsProgress,
  Submission,
  SubmissionAccepted,
  SubmissionOutcome,
} from './userImportTypes.js';

/** One workflow per user per app: its ID is what makes every service import of a user join one run. */
export function importFriendsWorkflowId(sdkAppId: number, fromAccount: string): string {
  return `friend-import:${sdkAppId}:${fromAccount}`;
}

/** The task queue whose `maxTaskQueueActivitiesPerSecond` bounds the user imports' friend_import calls. */
export function callsTaskQueue(taskQueue: string, sdkAppId: number): string {
  return `${taskQueue}:im-calls:${sdkAppId}`;
}

/** The SDKAppID a calls queue is named for (`callsTaskQueue`), or undefined for another name. */
export function callsQueueApp(queue: string): number | undefined {
  const app = /:im-calls:(\d+)$/.exec(queue)?.[1];
  return app === undefined ? undefined : Number(app);
}

/** Adds a submission to the user's import; answers as soon as the items are queued. */
export const addItemsUpdate = defineUpdate<SubmissionAccepted, [Submission]>('addItems');

/** The outcomes of one submission so far (`done` once every item has one); carried across continue-as-new. */
export const submissionQuery = defineQuery<SubmissionOutcome, [string]>('submission');

export const progressQuery = defineQuery<ImportFriendsProgress>('progress');

/** One workflow per bulk job. */
export function bulkJobWorkflowId(jobId: string): string {
  return `friend-import-job:${jobId}`;
}

export const jobProgressQuery = defineQuery<JobProgress>('jobProgress');
/** What a running page must obey: paused, cancelled, how many calls in flight. */
export const jobControlQuery = defineQuery<JobControl>('jobControl');
/** Stops new calls (the calls in flight finish) and ends the running page at its checkpoint. */
export const pauseJobUpdate = defineUpdate<JobProgress>('pause');
export const resumeJobUpdate = defineUpdate<JobProgress>('resume');
/** Stops reading, ends every item read and not sent as `cancelled`, writes the report and ends. */
export const cancelJobUpdate = defineUpdate<JobProgress>('cancel');
/** Changes how many friend_import calls the job keeps in flight. */
export const setConcurrencyUpdate = defineUpdate<JobProgress, [number]>('setConcurrency');

/** One coordinator per IM app (see workflows/coordinator.ts). */
export function coordinatorWorkflowId(sdkAppId: number): string {
  return `friend-import-coordinator:${sdkAppId}`;
}

/**
 * The coordinators' own task queue: a user import's workflow task holds its worker slot while its
 * local first try waits for a lease, so the coordinator that grants the lease must never wait
 * behind them for a slot.
 */
export function coordinatorTaskQueue(taskQueue: string): string {
  return `${taskQueue}:coordinator`;
}

export const leaseUpdate = defineUpdate<LeaseResponse, [LeaseRequest]>('lease');
/** Whether the holder should send a lease request now (coordination/rules/attention.ts): asked often, costs no history. */
export const attentionQuery = defineQuery<boolean, [string]>('attention');
/** The coordinator's whole state (holders, owners, queues), for operators and tests. */
export const coordinatorStateQuery = defineQuery<CoordinatorState>('coordinatorState');
