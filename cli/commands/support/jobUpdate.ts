/** Shared by pause, resume, cancel and concurrency: one update on a running job, one line of result. */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { BulkJobHandle } from '../../../client/bulkJobs.js';
import type { JobProgress } from '../../../core/jobTypes.js';
import { CliError, EXIT } from '../errors.js';
import { openTemporal, requireJob } from './context.js';
import { count } from './format.js';

export async function controlJob(
  job: string,
  verb: string,
  act: (handle: BulkJobHandle) => Promise<JobProgress>,
  describe: (p: JobProgress) => string,
  json = false,
): Promise<void> {
  const ctx = await openTemporal();
  try {
    const { handle, status } = await requireJob(ctx, job);
    if (status !== 'RUNNING')
      throw new CliError(`cannot ${verb} job ${handle.jobId}: it has ${status.toLowerCase()}`, EXIT.usage);
    let progress: JobProgress;
    try {
      progress = await act(handle);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new CliError(`cannot ${verb} job ${handle.jobId}: it has just ended`, EXIT.usage);
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new CliError(
        `cannot ${verb} job ${handle.jobId}: ${cause ?? (err as Error).message}`,
        EXIT.usage,
      );
    }
    if (json) process.stdout.write(`${JSON.stringify(progress)}\n`);
    else {
      const { isVerifyProgress, verifyCounts } = await import('./verifyView.js');
      // A sync job says which write it is at (core/syncTypes.ts); its counters add up every write.
      const sync = progress as { kind?: string; phase?: string };
      const phase = sync.kind === 'sync' ? sync.phase : undefined;
      const counts = isVerifyProgress(progress)
        ? verifyCounts(progress)
        : `${phase ? `at ${phase}: ` : ''}${count(progress.imported)} ${phase ? 'written' : 'imported'}, ${count(progress.failed)} failed, ${count(progress.inFlight, 'call')} in flight`;
      process.stdout.write(`Job ${handle.jobId}: ${describe(progress)} (${counts}).\n`);
    }
  } finally {
    await ctx.close();
  }
}
