/**
 * `friend-import report JOB [--json] [--limit N]`: where a bulk job's failure report is, and its
 * rows when this machine can read them (the workers write it on their file system). For a running
 * job it says so and shows the rows written so far.
 */
import type { Command } from 'commander';
import type { ReportRow as Row } from '../../core/jobTypes.js';
import { CliError, EXIT } from './errors.js';

interface ReportOptions {
  json?: boolean;
  limit?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('<job>', 'job ID')
    .description("show where a bulk job's failure report is, and its rows")
    .option('--json', 'print { jobId, status, reportJsonl, reportCsv, final, readable, rows } as JSON')
    .option('--limit <n>', 'rows to print (default 100; with --json all)')
    .action(async (job: string, opts: ReportOptions) => {
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
        throw new CliError(`--limit must be a whole number, got "${opts.limit}"`, EXIT.usage);
      const { openTemporal, requireJob } = await import('./support/context.js');
      const { currentSummary } = await import('./support/jobView.js');
      const { readReportRows } = await import('../../activities/report.js');
      const { reportPaths } = await import('../bulk.js');
      const { readFile } = await import('node:fs/promises');
      const { rowLine } = await import('./support/dryRun.js');
      const { count } = await import('./support/format.js');
      const ctx = await openTemporal();
      let summary;
      try {
        const { handle, status } = await requireJob(ctx, job);
        summary = await currentSummary(handle, status);
      } finally {
        await ctx.close();
      }
      const { jobId, reportJsonl, reportCsv } = summary;
      if (!reportJsonl)
        throw new CliError(
          `job ${jobId} is ${summary.status} and did not say where its report is (no worker answered?)`,
        );
      const running = !['completed', 'cancelled', 'failed'].includes(summary.status);
      let rows: Row[] | undefined;
      let unreadable: string | undefined;
      try {
        if (running) rows = await readReportRows(reportPaths(jobId, reportJsonl).reportDir);
        else
          rows = (await readFile(reportJsonl, 'utf8'))
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Row);
      } catch (err) {
        unreadable = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
      if (opts.json) {
        const shown = rows && limit !== undefined ? rows.slice(0, limit) : rows;
        process.stdout.write(
          `${JSON.stringify({ jobId, status: summary.status, reportJsonl, reportCsv, final: !running, readable: rows !== undefined, rows: shown ?? [] })}\n`,
        );
        return;
      }
      const out: string[] = [];
      if (running)
        out.push(
          `Job ${jobId} is still ${summary.status}: its report is written when it ends, to`,
          `  ${reportJsonl}`,
          `  ${reportCsv ?? ''}`,
          rows ? `Failure rows so far: ${count(rows.length)}.` : '',
        );
      else
        out.push(
          `Job ${jobId} ${summary.status}: ${count(summary.failed)} items failed. Report:`,
          `  ${reportJsonl}`,
          `  ${reportCsv ?? ''}`,
        );
      if (unreadable)
        out.push(`(not readable from here: ${unreadable}; the workers write it on their machine)`);
      if (rows) {
        const shown = rows.slice(0, limit ?? 100);
        for (const r of shown) out.push(`${rowLine(r)} [${r.code}, ${r.kind}]`);
        if (rows.length > shown.length)
          out.push(`… and ${count(rows.length - shown.length)} more in the file`);
      }
      process.stdout.write(`${out.filter((l) => l !== '').join('\n')}\n`);
    });
}
