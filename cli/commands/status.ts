/** `friend-import status JOB [--json]`: where a bulk job stands, an import or a verify (docs/verify.md). */
import type { Command } from 'commander';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('<job>', 'job ID (or its workflow ID)')
    .description("show a bulk job's state and counters")
    .option('--json', 'print the summary as one JSON object (the same fields as import --json)')
    .action(async (job: string, opts: { json?: boolean }) => {
      const { openTemporal, requireJob } = await import('./support/context.js');
      const { currentSummary } = await import('./support/jobView.js');
      const { formatSummary } = await import('./support/summary.js');
      const ctx = await openTemporal();
      try {
        const { handle, status, kind } = await requireJob(ctx, job);
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
        const summary = await currentSummary(handle, status);
        process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
      } finally {
        await ctx.close();
      }
    });
}
