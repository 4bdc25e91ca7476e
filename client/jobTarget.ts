/**
 * Where the library starts jobs: the cluster's client, the workers' main task queue, and the IM app
 * the job imports into or reads (docs/configuration.md, several IM apps). A job carries its app in
 * its input, so a fleet that serves several apps makes each page's calls as that app.
 */
import type { Client } from '@temporalio/client';
import { JobStartError } from './jobs.js';

export interface JobTarget {
  client: Client;
  /** The main task queue (workflows and the job activities). */
  taskQueue: string;
  /**
   * The IM app jobs started here import into or read (`IM_SDKAPPID`, the CLI's `--app`): workers
   * serving several apps make each page's calls as that app. Unset: the workers' one app.
   */
  sdkAppId?: number;
}

/** The job input's field naming the target's app, when it names one. */
export function appField(target: JobTarget): { sdkAppId?: number } {
  return target.sdkAppId === undefined ? {} : { sdkAppId: target.sdkAppId };
}

/**
 * A JobStartError when the job to re-attach to names another app than the caller: following it
 * would show one app's job as the other's.
 */
export function checkSameApp(
  jobId: string,
  started: { sdkAppId?: number } | undefined,
  target: JobTarget,
): void {
  if (target.sdkAppId === undefined || started?.sdkAppId === undefined) return;
  if (started.sdkAppId !== target.sdkAppId)
    throw new JobStartError(
      `job "${jobId}" is for IM app ${started.sdkAppId}, not ${target.sdkAppId}: name that app (--app ${started.sdkAppId}), or leave out the job ID to start a new job`,
    );
}
