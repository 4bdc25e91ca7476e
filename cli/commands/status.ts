/**
 * `friend-import status JOB [--json] [--app SDKAPPID]`: where a bulk job stands, an import, a
 * verify (docs/verify.md) or a sync (docs/cli.md). With an app named (`--app`, IM_SDKAPPID), a job of another app is refused.
 */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { appOption } from './support/app.js';

export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .argument('<job>', 'job ID (or its workflow ID)')
    .description("show a bulk job's state and counters")
    .option('--json', 'print the summary as one JSON object (the same fields as import --json)');
  appOption(command).action(async (job: string, opts: { json?: boolean; app?: number }) => {
    const { openTemporal, requireJob } = await import('./support/context.js');
    const { currentSummary } = await import('./support/jobView.js');
    const { formatSummary } = await import('./support/summary.js');
    const ctx = await openTemporal();
    try {
      const { handle, status, kind } = await requireJob(ctx, job);
      await checkApp(ctx.client, handle.jobId, opts.app);
      if (kind === 'verify') {
        const { verifyJob } = await import('../../client/verifyJobs.js');
        const { currentVerifySummary, formatVerifySummary } = await import('./support/verifyView.js');
        const v = await currentVerifySummary(
          verifyJob({ client: ctx.client, taskQueue: ctx.taskQueue }, handle.jobId),
          status,
        );
        process.stdout.write(opts.json ? `${JSON.stringify(v)}\n` : `${formatVerifySummary(v)}\n`);
        return;
      }
      if (kind === 'sync') {
        const { syncJob } = await import('../../client/syncJobs.js');
        const { currentSyncSummary, formatSyncSummary } = await import('./support/syncView.js');
        const v = await currentSyncSummary(
          syncJob({ client: ctx.client, taskQueue: ctx.taskQueue }, handle.jobId),
          status,
        );
        process.stdout.write(opts.json ? `${JSON.stringify(v)}\n` : `${formatSyncSummary(v)}\n`);
        return;
      }
      const summary = await currentSummary(handle, status);
      process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
    } finally {
      await ctx.close();
    }
  });
}

/** A job that names another app than the one asked about is refused (exit 2), not shown as that app's. */
async function checkApp(client: Client, jobId: string, flag: number | undefined): Promise<void> {
  const { appOf } = await import('./support/app.js');
  const app = appOf(flag, process.env);
  if (app === undefined) return;
  const { jobInput } = await import('../../client/jobs.js');
  const { CliError, EXIT } = await import('./errors.js');
  const started = await jobInput<{ sdkAppId?: number }>(client, jobId);
  if (started?.sdkAppId !== undefined && started.sdkAppId !== app)
    throw new CliError(`job "${jobId}" is for IM app ${started.sdkAppId}, not ${app}`, EXIT.usage);
}
