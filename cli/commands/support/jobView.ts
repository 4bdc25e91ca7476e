/**
 * A job as the CLI shows it: its summary in any state, and following it to the end with live
 * progress. Ctrl-C while following detaches — the job runs on in the workers — and says how to
 * come back. An import's summary and progress are here; a verify job's look (verifyView.ts) goes
 * through the same two functions.
 */
import { ActivityFailure, WorkflowFailedError } from '@temporalio/client';
import type { BulkJobHandle } from '../../../client/bulkJobs.js';
import type { JobHandle } from '../../../client/jobs.js';
import type { JobProgress, JobState } from '../../../core/jobTypes.js';
import { CliError, EXIT } from '../errors.js';
import { createProgressView, type ProgressView } from './progress.js';
import { jobSummary, type JobSummaryJson, type SummaryOverride } from './summary.js';

const QUERY_TIMEOUT_MS = 15_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The failure's own words: the job's message rather than the SDK's wrappers (a page that stopped
 * the job fails it with an "Activity task failed" around the page's own reason).
 */
function failureMessage(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    let cause = err.cause;
    while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
    if (cause?.message) return cause.message;
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

const CLOSED_STATE: Record<string, JobState> = {
  CANCELLED: 'cancelled',
  CANCELED: 'cancelled',
  FAILED: 'failed',
  TERMINATED: 'failed',
  TIMED_OUT: 'failed',
};

/** How one kind of job is shown: its name in messages, its summary, its live progress. */
export interface JobLook<P extends JobProgress, J> {
  /** `job` or `verify job`. */
  noun: string;
  summary(jobId: string, workflowId: string, known: P | undefined, override?: SummaryOverride): J;
  progressView(): ProgressView<P>;
}

const IMPORT: JobLook<JobProgress, JobSummaryJson> = {
  noun: 'job',
  summary: jobSummary,
  progressView: () => createProgressView(),
};

/** The import job's summary now, whatever its state (`status` is the server's, e.g. `RUNNING`). */
export function currentSummary(handle: BulkJobHandle, status: string): Promise<JobSummaryJson> {
  return summaryNow(handle, status, IMPORT);
}

/** Waits for the import job to end, showing progress; resolves with its final summary. */
export function followJob(handle: BulkJobHandle, options: FollowOptions): Promise<JobSummaryJson> {
  return follow(handle, options, IMPORT);
}

/** A job's summary now, whatever its state, as its kind's `look` shows it. */
export async function summaryNow<P extends JobProgress, J>(
  handle: JobHandle<P, P>,
  status: string,
  look: JobLook<P, J>,
): Promise<J> {
  if (status === 'COMPLETED') return look.summary(handle.jobId, handle.workflowId, await handle.result());
  if (status === 'RUNNING') {
    const progress = await withTimeout(handle.progress(), QUERY_TIMEOUT_MS);
    if (!progress)
      throw new CliError(
        `${look.noun} ${handle.jobId} is running, but no worker answered within ${QUERY_TIMEOUT_MS / 1000} s: is \`friend-import worker\` running?`,
        EXIT.failure,
      );
    return look.summary(handle.jobId, handle.workflowId, progress);
  }
  const error = await handle.result().then(
    () => undefined,
    (err: unknown) => failureMessage(err),
  );
  return closedSummary(handle, look, status, error ?? `the job's workflow is ${status.toLowerCase()}`);
}

/**
 * A job closed without a result (`status` is the server's): the counters come from a replay (needs
 * a worker; else the last figures seen), the reason from the failure.
 */
async function closedSummary<P extends JobProgress, J>(
  handle: JobHandle<P, P>,
  look: JobLook<P, J>,
  status: string,
  error: string,
  last?: P,
): Promise<J> {
  const replayed = await withTimeout(
    handle.progress().catch(() => undefined),
    5_000,
  );
  return look.summary(handle.jobId, handle.workflowId, replayed ?? last, {
    status: CLOSED_STATE[status] ?? 'failed',
    error,
  });
}

export interface FollowOptions {
  /** Show live progress on stderr. */
  progress: boolean;
  /** What to print when Ctrl-C detaches (how to re-attach). */
  detachHint: string;
  pollMs?: number;
}

/** Waits for a job to end, showing progress as its kind's `look` does; resolves with its final summary. */
export async function follow<P extends JobProgress, J>(
  handle: JobHandle<P, P>,
  options: FollowOptions,
  look: JobLook<P, J>,
): Promise<J> {
  const view = options.progress ? look.progressView() : undefined;
  const pollMs = options.pollMs ?? (process.stderr.isTTY ? 500 : 1_000);
  let last: P | undefined;
  let querying = false;
  const poll = (): void => {
    if (querying) return;
    querying = true;
    handle
      .progress()
      .then((p) => {
        last = p;
        view?.update(p);
      })
      // No answer (e.g. no worker for a moment): keep the last figures and ask again.
      .catch(() => undefined)
      .finally(() => {
        querying = false;
      });
  };
  const timer = setInterval(poll, pollMs);
  poll();
  const onSigint = (): void => {
    clearInterval(timer);
    view?.stop();
    process.stderr.write(`\n${options.detachHint}\n`);
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', onSigint);
  try {
    const summary = await handle.result();
    return look.summary(handle.jobId, handle.workflowId, summary);
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const status = await handle.status().catch(() => 'FAILED');
    return closedSummary(handle, look, status, failureMessage(err), last);
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSigint);
    view?.stop();
  }
}
