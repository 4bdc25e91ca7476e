/**
 * `friend-import report JOB [--json] [--limit N] [--user FROM_ACCOUNT]`: where a bulk job's failure
 * report is, and its rows when this machine can read them (the workers write it on their file
 * system). For a running job it says so and shows the rows written so far. `--user` shows one
 * user's outcomes instead: every line of theirs, the friends imported and the items that failed.
 */
import type { Command } from 'commander';
import type { ReportRow as Row } from '../../core/jobTypes.js';
import { CliError, EXIT } from './errors.js';

interface ReportOptions {
  json?: boolean;
  limit?: string;
  user?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('<job>', 'job ID')
    .description("show where a bulk job's failure report is, and its rows")
    .option('--json', 'print { jobId, status, reportJsonl, reportCsv, final, readable, rows } as JSON')
    .option('--limit <n>', 'rows to print (default 100; with --json all)')
    .option('--user <fromAccount>', "show one user's outcomes in the job (imported and failed, by line)")
    .action(async (job: string, opts: ReportOptions) => {
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
        throw new CliError(`--limit must be a whole number, got "${opts.limit}"`, EXIT.usage);
      const { openTemporal, requireJob } = await import('./support/context.js');
      const { currentSummary } = await import('./support/jobView.js');
      const { readReportRows } = await import('../../formats/importReport.js');
      const { reportPaths } = await import('../../client/bulkJobs.js');
      const { readWhole } = await import('../../formats/storage/files.js');
      const { rowLine } = await import('./support/dryRun.js');
      const { count } = await import('./support/format.js');
      const ctx = await openTemporal();
      let summary;
      try {
        const { handle, status, kind } = await requireJob(ctx, job);
        if (kind === 'verify') {
          // A verify job's report is its diff report (docs/verify.md).
          const { verifyJob } = await import('../../client/verifyJobs.js');
          const { currentVerifySummary, printVerifyReport } = await import('./support/verifyView.js');
          const target = { client: ctx.client, taskQueue: ctx.taskQueue };
          const v = await currentVerifySummary(verifyJob(target, handle.jobId), status);
          return await printVerifyReport(v, {
            ...(opts.json && { json: true }),
            ...(limit !== undefined && { limit }),
          });
        }
        summary = await currentSummary(handle, status);
      } finally {
        await ctx.close();
      }
      const { jobId, reportJsonl, reportCsv } = summary;
      if (!reportJsonl)
        throw new CliError(
          `job ${jobId} is ${summary.status} and did not say where its report is (no worker answered?)`,
        );
      if (opts.user !== undefined) {
        const { userOutcomes } = await import('../../formats/importReport.js');
        const lines = await userOutcomes(reportPaths(jobId, reportJsonl).reportDir, opts.user).catch(
          (err: NodeJS.ErrnoException) => {
            throw new CliError(
              `cannot read job ${jobId}'s outcome files here (${err.code ?? err.message}); the workers write them on their machine`,
            );
          },
        );
        const imported = lines.reduce((n, l) => n + l.imported.length, 0);
        const ended = lines.flatMap((l) => l.failed);
        const superseded = ended.filter((f) => f.kind === 'superseded').length;
        const failed = ended.length - superseded;
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ jobId, status: summary.status, fromAccount: opts.user, imported, failed, superseded, lines })}\n`,
          );
          return;
        }
        const out = [
          lines.length === 0
            ? `Job ${jobId} (${summary.status}) has no outcome for ${opts.user} yet.`
            : `Job ${jobId} (${summary.status}): ${opts.user} — ${count(imported)} imported, ${count(failed)} failed${superseded > 0 ? `, ${count(superseded)} superseded` : ''}, on ${count(lines.length, 'input line')}.`,
        ];
        for (const l of lines.slice(0, limit ?? 100)) {
          if (l.imported.length > 0) out.push(`line ${l.line}: imported ${l.imported.join(', ')}`);
          for (const f of l.failed)
            out.push(
              `line ${l.line}: ${f.toAccount || '?'} ${f.kind === 'superseded' ? 'superseded' : 'failed'}: ${f.reason} [${f.code}, ${f.kind}]`,
            );
        }
        process.stdout.write(`${out.join('\n')}\n`);
        return;
      }
      const running = !['completed', 'cancelled', 'failed'].includes(summary.status);
      let rows: Row[] | undefined;
      let unreadable: string | undefined;
      try {
        if (running) rows = await readReportRows(reportPaths(jobId, reportJsonl).reportDir);
        else
          rows = (await readWhole(reportJsonl))
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
          rows ? `Rows so far: ${count(rows.length)}.` : '',
        );
      else
        out.push(
          `Job ${jobId} ${summary.status}: ${count(summary.failed, 'item')} failed${summary.superseded ? `, ${count(summary.superseded)} superseded` : ''}. Report:`,
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
