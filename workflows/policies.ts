/**
 * How ImportFriendsWorkflow calls friendImport: timeouts and retries, and why they are what they are.
 */
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * - startToCloseTimeout 30 s: one attempt is one HTTP call; the client gives up after IM_TIMEOUT_MS
 *   (10 s by default, at most 20 s) and may wait up to a second for the app-wide call window.
 *   Keeping it well above the HTTP timeout matters for G1: a retry is only scheduled once the
 *   previous attempt is surely over, so two writes for one user never overlap. It is also how long
 *   a user's import waits after its worker is SIGKILLed mid-call.
 * - No scheduleToStart/scheduleToClose timeout: time spent waiting for the task-queue rate limit
 *   (G2) is normal and must not fail anything.
 * - Retries: 1 s, 2 s, 4 s … capped at 30 s, 8 attempts (about 1.5 minutes of transient failures)
 *   before the batch's items are recorded as `exhausted`. Rate-limit codes replace the interval with
 *   the activity's `nextRetryDelay` (≥ 60 s for 70050). Permanent and configuration codes are thrown
 *   non-retryable by the activity, so they are never retried.
 */
export const FRIEND_IMPORT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 8,
  },
};
