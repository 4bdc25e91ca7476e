/**
 * How ImportFriendsWorkflow calls friendImport: timeouts and retries, and why they are what they are.
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { CALL_RETRY_POLICY as P, WAIT_FAILURE_TYPE } from '../core/retry.js';

/**
 * - startToCloseTimeout 45 s: one attempt is at most a short wait for the user's lease and rate
 *   share, then one HTTP call (the client gives up after IM_TIMEOUT_MS, 10 s by default, at most
 *   20 s). A retry is only scheduled once the previous attempt is surely over.
 * - No scheduleToStart/scheduleToClose timeout: time spent waiting for the task-queue rate limit
 *   is normal and must not fail anything.
 * - Retries (core/retry.ts): 1 s, 2 s, 4 s … capped at 30 s, 8 attempts (about 1.5 minutes of
 *   transient failures) before the batch's items are recorded as `exhausted`. Rate-limit codes
 *   replace the interval with the activity's `nextRetryDelay` (≥ 60 s for 70050). Permanent and
 *   configuration codes are thrown non-retryable by the activity, so they are never retried.
 */
export const FRIEND_IMPORT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '45s',
  retry: {
    initialInterval: P.initialIntervalMs,
    backoffCoefficient: P.backoffCoefficient,
    maximumInterval: P.maximumIntervalMs,
    maximumAttempts: P.maximumAttempts,
    nonRetryableErrorTypes: [WAIT_FAILURE_TYPE],
  },
};

/**
 * The quick path's first try of a batch, as a local activity inside the workflow task: one
 * attempt (a failure goes on as the activity above, with its retries), bounded like an attempt
 * of it. The activity waits at most a few seconds for its user and its rate share before it
 * refuses to wait (activities/friendImportActivity.ts).
 */
/**
 * How long after its workflow task started a local first try may still start its call. The task
 * waits for the try and times out after 10 s: a task that timed out runs again, and so would the
 * try and its call. A few seconds leave room for a busy worker and the call itself.
 */
export const LOCAL_TRY_START_WITHIN_MS = 4_000;

export const FRIEND_IMPORT_LOCAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '45s',
  retry: { maximumAttempts: 1 },
};
