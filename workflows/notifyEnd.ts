/**
 * A job's last step when it was started with a notify URL (docs/cli.md, "Notifications"): the
 * `notifyJobEnd` activity POSTs the job's final summary, retried durably so a receiver that is down
 * for a while still gets it. Every kind of job calls it the same way, in every end state
 * (completed, cancelled, and failed before it throws): `await notifyEnd(input.notify, 'import', summary)`.
 *
 * A job started without a URL schedules nothing here, so the histories of jobs from before this
 * step replay unchanged (test/unit/replay.test.ts).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  isCancellation,
  log,
  proxyActivities,
  TimeoutFailure,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  deliveryId,
  JOB_ENDED_EVENT,
  jobEndedBody,
  type NotifyActivities,
  type NotifyJobKind,
  type NotifyTarget,
} from '../core/notify.js';

export { jobEndedBody } from '../core/notify.js';

/**
 * - startToCloseTimeout 30 s: one attempt is one POST that gives up after 10 s.
 * - Retries 1 s, 2 s, 4 s … capped at 5 minutes, for up to 24 hours from the first attempt
 *   (scheduleToCloseTimeout): about 290 attempts, so a receiver down for a deploy or a night
 *   still gets the delivery, with the same body and delivery ID every time.
 */
export const NOTIFY_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  summary: 'notify the job end',
};

const notifier = proxyActivities<NotifyActivities>(NOTIFY_ACTIVITY_OPTIONS);

/**
 * Delivers the job's end to `notify` (when set) and returns `summary`, with `notifyError` when the
 * delivery did not land within its retry budget: a notification never changes how the job ended.
 * It runs even when the job's workflow was cancelled (a cancelled job is worth telling).
 */
export async function notifyEnd<S extends { jobId: string; state: string }>(
  notify: NotifyTarget | undefined,
  kind: NotifyJobKind,
  summary: S,
): Promise<S & { notifyError?: string }> {
  if (!notify) return summary;
  const { workflowId, runId } = workflowInfo();
  try {
    await CancellationScope.nonCancellable(() =>
      notifier.notifyJobEnd({
        url: notify.url,
        deliveryId: deliveryId(workflowId, runId),
        event: JOB_ENDED_EVENT,
        body: jobEndedBody(kind, summary),
      }),
    );
    return summary;
  } catch (err) {
    const notifyError = `the job-end notification to ${notify.url} was not delivered: ${lastCause(err)}`;
    log.warn(notifyError, { jobId: summary.jobId });
    return { ...summary, notifyError };
  }
}

/** The failure type a job throws after its end was told (workflows/pagedJob.ts, `failure`). */
const TOLD_FAILURE_TYPE = 'JobFailed';

/**
 * Runs a job's whole workflow and, when it throws before reaching its end (a page that failed past
 * its retries: the file changed or cannot be read, an IM app no worker serves), tells the job's end
 * as `failed` (or `cancelled`) with the error, then throws on. The end's own failure (`JobFailed`)
 * was told already, and continue-as-new is no end. The summary is then only what is known here:
 * `{ jobId, state, error }`. Without a notify URL it only runs the job.
 */
export async function notifyIfThrown<R>(
  notify: NotifyTarget | undefined,
  kind: NotifyJobKind,
  jobId: string,
  run: () => Promise<R>,
): Promise<R> {
  if (!notify) return run();
  try {
    return await run();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (err instanceof ApplicationFailure && err.type === TOLD_FAILURE_TYPE) throw err;
    const state = isCancellation(err) ? 'cancelled' : 'failed';
    await notifyEnd(notify, kind, { jobId, state, error: lastCause(err) });
    throw err;
  }
}

/** The activity's own last failure, not the wrapper that says the activity failed. */
function lastCause(err: unknown): string {
  const e: unknown = err instanceof ActivityFailure ? err.cause : err;
  // A retry budget that ran out is a timeout failure whose cause is the last attempt's failure.
  if (e instanceof TimeoutFailure && e.cause instanceof Error)
    return `${e.message} (its retry budget is spent); last attempt: ${e.cause.message}`;
  return e instanceof Error ? e.message : String(e);
}
