/**
 * A bulk job as the CLI shows it: its summary in any state, and following it to the end with live
 * progress. Ctrl-C while following detaches — the job runs on in the workers — and says how to
 * come back.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { BulkJobHandle } from '../../../lib/bulkJobs.js';
import type { JobProgress, JobState } from '../../../core/jobTypes.js';
import { CliError, EXIT } from '../errors.js';
import { createProgressView } from './progress.js';
import { jobSummary, type JobSummaryJson } from './summary.js';

const QUERY_TIMEOUT_MS = 15_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The failure's own words: the job's message rather than the SDK's wrapper. */
export function failureMessage(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
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

/** The job's summary now, whatever its state (`status` is the server's, e.g. `RUNNING`). */
export async function currentSummary(handle: BulkJobHandle, status: string): Promise<JobSummaryJson> {
  if (status === 'COMPLETED') return jobSummary(handle.jobId, handle.workflowId, await handle.result());
  if (status === 'RUNNING') {
    const progress = await withTimeout(handle.progress(), QUERY_TIMEOUT_MS);
    if (!progress)
      throw new CliError(
        `job ${handle.jobId} is running, but no worker answered within ${QUERY_TIMEOUT_MS / 1000} s: is \`friend-import worker\` running?`,
        EXIT.failure,
      );
    return jobSummary(handle.jobId, handle.workflowId, progress);
  }
  // Closed without a result: the counters come from a replay (needs a worker), the reason from the failure.
  const error = await handle.result().then(
    () => undefined,
    (err: unknown) => failureMessage(err),
  );
  const progress = await withTimeout(
    handle.progress().catch(() => undefined),
    5_000,
  );
  return jobSummary(handle.jobId, handle.workflowId, progress, {
    status: CLOSED_STATE[status] ?? 'failed',
    error: error ?? `the job's workflow is ${status.toLowerCase()}`,
  });
}

export interface FollowOptions {
  /** Show live progress on stderr. */
  progress: boolean;
  /** What to print when Ctrl-C detaches (how to re-attach). */
  detachHint: string;
  pollMs?: number;
}

/** Waits for the job to end, showing progress; resolves with its final summary. */
export async function followJob(handle: BulkJobHandle, options: FollowOptions): Promise<JobSummaryJson> {
  const view = options.progress ? createProgressView() : undefined;
  const pollMs = options.pollMs ?? (process.stderr.isTTY ? 500 : 1_000);
  let last: JobProgress | undefined;
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
    return jobSummary(handle.jobId, handle.workflowId, summary);
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const status = await handle.status().catch(() => 'FAILED');
    const replayed = await withTimeout(
      handle.progress().catch(() => undefined),
      5_000,
    );
    return jobSummary(handle.jobId, handle.workflowId, replayed ?? last, {
      status: CLOSED_STATE[status] ?? 'failed',
      error: failureMessage(err),
    });
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSigint);
    view?.stop();
  }
}
