/**
 * `friend-import import FILE [--format jsonl|csv] [--dry-run] [--detach] [--job-id ID]
 * [--report FILE] [--json] [--concurrency N]`: starts a bulk job for FILE, or re-attaches to the
 * job with that ID, and follows it to the end with live progress on stderr.
 * Exit codes: cli/commands/errors.ts.
 */
import type { Command } from 'commander';
import type { SourceFormat } from '../../core/jobTypes.js';
import type { JobSummaryJson } from './support/summary.js';
import { CliError, EXIT, exitAfterOutput } from './errors.js';
import { appOption } from './support/app.js';
import { jobSizeOptions, printDetached, reportJsonlOf } from './support/jobCommand.js';
import { parseNotifyUrl } from './support/options.js';

interface ImportCommandOptions {
  format?: string;
  dryRun?: boolean;
  detach?: boolean;
  jobId?: string;
  report?: string;
  json?: boolean;
  concurrency?: number;
  pageLines?: number;
  app?: number;
  createAccounts?: boolean;
  notify?: string;
}

async function dryRun(file: string, opts: ImportCommandOptions): Promise<number> {
  const { formatOf, checkSource, sourceLocation } = await import('./support/source.js');
  const { validateFile, openReport, rowLine } = await import('./support/dryRun.js');
  const { reportPaths } = await import('../../client/bulkJobs.js');
  const format = formatOf(file, opts.format);
  await checkSource(file, format);
  const jsonl = reportJsonlOf(opts.report);
  if (jsonl?.startsWith('s3://'))
    throw new CliError(
      'a dry run writes its bad rows to a local file: give --report a path, not s3://',
      EXIT.usage,
    );
  const paths = jsonl ? reportPaths('dry-run', jsonl) : undefined;
  // The plan's settings first: a bad rate variable is exit 2 before the file is read.
  const { startPlan, formatPlan } = await import('./support/planView.js');
  const plan = startPlan(process.env, opts);
  const report = paths ? await openReport(paths.reportJsonl, paths.reportCsv) : undefined;
  const rows: unknown[] = [];
  const summary = await validateFile(
    sourceLocation(file),
    format,
    async (row) => {
      if (report) await report.row(row);
      else if (opts.json) rows.push(row);
      else process.stdout.write(`${rowLine(row)}\n`);
    },
    plan.counter,
  );
  await report?.close();
  const result = {
    ...summary,
    reportJsonl: paths?.reportJsonl ?? null,
    reportCsv: paths?.reportCsv ?? null,
    plan: plan.finish(),
  };
  if (opts.json)
    process.stdout.write(`${JSON.stringify(opts.report ? result : { ...result, badRows: rows })}\n`);
  else {
    const { count } = await import('./support/format.js');
    process.stdout.write(
      `Dry run of ${file} (${format}): ${count(summary.lines, 'line')}, ${count(summary.users, 'user')}, ` +
        `${count(summary.items, 'item')} — ${count(summary.valid)} valid, ${count(summary.rejected, 'bad row')}. ` +
        `Nothing was written to IM or Temporal.\n` +
        (summary.repeatedPairs > 0
          ? `${summary.repeatedPairsExact ? '' : 'At least '}${count(summary.repeatedPairs, 'valid row is', 'valid rows are')} ` +
            `repeated later in the file (the same From_Account and To_Account): not an error, the last one wins ` +
            `(the job reports an earlier one superseded, or sends both in file order).\n`
          : '') +
        (paths ? `Bad rows: ${paths.reportJsonl}\n          ${paths.reportCsv}\n` : '') +
        `${formatPlan(result.plan)}\n`,
    );
  }
  return summary.rejected === 0 ? EXIT.ok : EXIT.itemsFailed;
}

async function runImport(file: string, opts: ImportCommandOptions): Promise<number> {
  if (opts.dryRun) return dryRun(file, opts);
  const { formatOf, checkSource, sourceLocation } = await import('./support/source.js');
  const { openTemporal, jobIdOf, jobStatus } = await import('./support/context.js');
  const { startBulkJob } = await import('../../client/bulkJobs.js');
  const { appOf } = await import('./support/app.js');
  // The views load while the job starts: the first calls leave sooner.
  const views = Promise.all([import('./support/jobView.js'), import('./support/summary.js')]);
  views.catch(() => undefined); // awaited below unless the command ends first

  const format = formatOf(file, opts.format);
  const jobId = opts.jobId !== undefined ? jobIdOf(opts.jobId) : undefined;
  // A new job: check the file before anything else (an unreadable file is exit 2 even with no
  // cluster); an existing job is re-attached to as it is.
  if (jobId === undefined) await checkSource(file, format);
  const ctx = await openTemporal();
  try {
    const existing = jobId ? await jobStatus(ctx, jobId) : undefined;
    if (jobId !== undefined && !existing) await checkSource(file, format);
    const handle = await startBulkJob(
      { client: ctx.client, taskQueue: ctx.taskQueue, ...withApp(appOf(opts.app, process.env)) },
      {
        ...(jobId && { jobId }),
        path: file,
        format,
        ...(opts.report && { report: reportJsonlOf(opts.report) }),
        ...(opts.concurrency && { concurrency: opts.concurrency }),
        ...(opts.pageLines && { pageLines: opts.pageLines }),
        ...(opts.createAccounts && { createAccounts: true }),
        ...(opts.notify && { notify: opts.notify }),
      },
    );
    const reattachHint = `friend-import import ${file} --job-id ${handle.jobId}`;
    process.stderr.write(
      handle.started
        ? `Started job ${handle.jobId} for ${sourceLocation(file)} (${format}) on ${ctx.address}, task queue ${ctx.taskQueue}.\n`
        : `Re-attached to job ${handle.jobId} (${(existing ?? (await handle.status())).toLowerCase()}).\n`,
    );
    if (opts.detach)
      return printDetached(handle, opts.json, `${reattachHint}  (or: friend-import status ${handle.jobId})`);
    process.stderr.write('Ctrl-C detaches; the job keeps running in the workers.\n');
    const [{ followJob }, { formatSummary, exitCodeFor }] = await views;
    const followed = await followJob(handle, {
      progress: true,
      detachHint:
        `Detached from job ${handle.jobId}; it keeps running in the workers.\n` +
        `Re-attach with: ${reattachHint}\n` +
        `Or: friend-import status ${handle.jobId} · pause · resume · cancel · report`,
    });
    const summary = await withRetryFile(followed, format);
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(`${formatSummary(summary)}\n`);
    return exitCodeFor(summary);
  } finally {
    await ctx.close();
  }
}

/**
 * The summary with its retry file: a job's result names it; a failed job (no result) or a job
 * whose result does not carry it still wrote it beside its report, where it is looked for.
 */
async function withRetryFile<S extends JobSummaryJson>(summary: S, format: SourceFormat): Promise<S> {
  const { isFinished } = await import('./support/summary.js');
  if (summary.retryFile !== null || !summary.reportJsonl || !isFinished(summary.status)) return summary;
  const { countRetryItems, retryFilePath } = await import('../../formats/retryFile.js');
  const retryFile = retryFilePath(summary.reportJsonl, format);
  const retryItems = await countRetryItems(retryFile, format);
  return retryItems === undefined ? summary : { ...summary, retryFile, retryItems };
}

const withApp = (sdkAppId: number | undefined) => (sdkAppId === undefined ? {} : { sdkAppId });

export function registerImport(program: Command): void {
  const command = program
    .command('import')
    .argument('<file>', 'JSONL (one friend_import request body per line) or CSV (one friend per row)')
    .description('import a file as a bulk job (or re-attach to one with --job-id) and follow it to the end')
    .option('--format <format>', 'jsonl or csv (default: from the file extension)')
    .option('--dry-run', 'validate the whole file here; write nothing to IM or Temporal')
    .option('--detach', 'start the job, print its ID and exit')
    .option('--job-id <id>', 'the job ID: re-attaches when that job exists, else starts it under this ID')
    .option(
      '--report <file>',
      'failure report (JSONL; the CSV goes beside it); default ./friend-import-reports/<job>/report.jsonl',
    )
    .option('--json', 'print one JSON summary on stdout at the end')
    .option(
      '--create-accounts',
      "before each page's friends, check the accounts it names and create the missing ones (UserID only)",
    )
    .option(
      '--notify <url>',
      "POST the job's end (completed, cancelled or failed) to this http(s) URL, retried up to 24 h",
      parseNotifyUrl,
    );
  appOption(command);
  jobSizeOptions(command, 'friend_import calls in flight', {
    concurrency: '; change it later with friend-import concurrency',
    pageLines: '; a page is the unit a worker runs and checkpoints',
  })
    .addHelpText(
      'after',
      '\nExit codes: 0 every item imported · 1 the job failed · 2 bad usage or unreadable input · ' +
        '3 finished with failed items · 4 cancelled · 130 detached with Ctrl-C',
    )
    .action(async (file: string, opts: ImportCommandOptions) => {
      await exitAfterOutput(await runImport(file, opts));
    });
}
