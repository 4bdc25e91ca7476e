/** `friend-import status JOB [--json]`: where a bulk job stands (product.md §5). */
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
        const { handle, status } = await requireJob(ctx, job);
        const summary = await currentSummary(handle, status);
        process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
      } finally {
        await ctx.close();
      }
    });
}
