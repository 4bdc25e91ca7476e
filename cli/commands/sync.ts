/**
 * `friend-import sync NEW [--since OLD] [--delete] [--dry-run] …` (docs/cli.md, `sync`): starts a
 * sync job that brings the IM app from OLD (or from what it holds) to the snapshot NEW — deletes,
 * then updates, then imports — or re-attaches to one with --job-id, and follows it to the end with
 * live progress on stderr. `--dry-run` makes the plan here and writes nothing.
 * Exit codes: as `import` (cli/commands/errors.ts).
 */
import type { Command } from 'commander';
import { CliError, EXIT, exitAfterOutput } from './errors.js';
import { appOption } from './support/app.js';
import { jobSizeOptions, printDetached, reportJsonlOf } from './support/jobCommand.js';
import { parseNotifyUrl, wholeNumber } from './support/options.js';

export interface SyncCommandOptions {
  since?: string;
  delete?: boolean;
  dryRun?: boolean;
  format?: string;
  sinceFormat?: string;
  jobId?: string;
  report?: string;
  concurrency?: number;
  pageLines?: number;
  updateBatch?: number;
  detach?: boolean;
  json?: boolean;
  notify?: string;
  app?: number;
}

/** What the options say together, refused (exit 2) before any file is read or server reached. */
export function syncUsageProblem(opts: SyncCommandOptions): string | undefined {
  if (opts.dryRun && opts.since === undefined)
    return (
      '--dry-run needs --since OLD: without it the plan compares NEW with what the IM app holds, ' +
      'which only the workers can read; a sync job prints that plan when its plan phase ends (friend-import status JOB)'
    );
  if (opts.sinceFormat !== undefined && opts.since === undefined) return '--since-format needs --since OLD';
  if (opts.dryRun && (opts.detach || opts.jobId !== undefined || opts.notify !== undefined))
    return '--dry-run starts no job: --detach, --job-id and --notify do not go with it';
  return undefined;
}

async function dryRun(file: string, opts: SyncCommandOptions & { since: string }): Promise<number> {
  const { formatOf, checkSource, sourceLocation } = await import('./support/source.js');
  const { syncDryRun, formatSyncDryRun } = await import('./support/syncDryRun.js');
  const format = formatOf(file, opts.format);
  const sinceFormat = formatOf(opts.since, opts.sinceFormat);
  await checkSource(file, format);
  await checkSource(opts.since, sinceFormat);
  const result = await syncDryRun(
    {
      source: { path: sourceLocation(file), format },
      base: { path: sourceLocation(opts.since), format: sinceFormat },
      deleteRemoved: opts.delete === true,
      updateBatch: opts.updateBatch,
      pageLines: opts.pageLines,
    },
    process.env,
  );
  process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatSyncDryRun(result)}\n`);
  return result.counts.rejected === 0 ? EXIT.ok : EXIT.itemsFailed;
}

async function runSync(file: string, opts: SyncCommandOptions): Promise<number> {
  const problem = syncUsageProblem(opts);
  if (problem) throw new CliError(problem, EXIT.usage);
  if (opts.dryRun && opts.since !== undefined) return dryRun(file, { ...opts, since: opts.since });
  const { formatOf, checkSource, sourceLocation } = await import('./support/source.js');
  const { openTemporal, jobIdOf, jobStatus } = await import('./support/context.js');
  const { startSyncJob } = await import('../../client/syncJobs.js');
  const { appOf } = await import('./support/app.js');
  const { followSync, formatSyncSummary } = await import('./support/syncView.js');
  const { exitCodeFor } = await import('./support/summary.js');

  const format = formatOf(file, opts.format);
  const sinceFormat = opts.since === undefined ? undefined : formatOf(opts.since, opts.sinceFormat);
  const jobId = opts.jobId !== undefined ? jobIdOf(opts.jobId) : undefined;
  const checkInputs = async (): Promise<void> => {
    await checkSource(file, format);
    if (opts.since !== undefined && sinceFormat) await checkSource(opts.since, sinceFormat);
  };
  // A new job: the snapshots first (an unreadable one is exit 2 even with no cluster).
  if (jobId === undefined) await checkInputs();
  const ctx = await openTemporal();
  try {
    const existing = jobId ? await jobStatus(ctx, jobId) : undefined;
    if (jobId !== undefined && !existing) await checkInputs();
    const sdkAppId = appOf(opts.app, process.env);
    const handle = await startSyncJob(
      { client: ctx.client, taskQueue: ctx.taskQueue, ...(sdkAppId !== undefined && { sdkAppId }) },
      {
        ...(jobId && { jobId }),
        path: file,
        format,
        ...(opts.since !== undefined && { since: opts.since, ...(sinceFormat && { sinceFormat }) }),
        ...(opts.delete && { deleteRemoved: true }),
        ...(opts.report && { report: reportJsonlOf(opts.report) }),
        ...(opts.concurrency && { concurrency: opts.concurrency }),
        ...(opts.pageLines && { pageLines: opts.pageLines }),
        ...(opts.updateBatch && { updateBatch: opts.updateBatch }),
        ...(opts.notify && { notify: opts.notify }),
      },
    );
    const from = opts.since === undefined ? 'what the app holds' : sourceLocation(opts.since);
    process.stderr.write(
      handle.started
        ? `Started sync job ${handle.jobId}: ${from} → ${sourceLocation(file)} (${format}) on ${ctx.address}, task queue ${ctx.taskQueue}.\n`
        : `Re-attached to sync job ${handle.jobId} (${(existing ?? (await handle.status())).toLowerCase()}).\n`,
    );
    if (opts.detach)
      return printDetached(
        handle,
        opts.json,
        `friend-import status ${handle.jobId}  (pause · resume · cancel · report work on it too)`,
      );
    process.stderr.write('Ctrl-C detaches; the job keeps running in the workers.\n');
    const summary = await followSync(handle, {
      progress: true,
      detachHint:
        `Detached from sync job ${handle.jobId}; it keeps running in the workers.\n` +
        `Re-attach with: friend-import sync ${file} --job-id ${handle.jobId}\n` +
        `Or: friend-import status ${handle.jobId} · pause · resume · cancel · report`,
    });
    process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSyncSummary(summary)}\n`);
    return exitCodeFor(summary);
  } finally {
    await ctx.close();
  }
}

const parseFormat =
  (flag: string) =>
  (value: string): string => {
    if (value !== 'jsonl' && value !== 'csv')
      throw new CliError(`${flag} must be jsonl or csv, got "${value}"`, EXIT.usage);
    return value;
  };

export function registerSync(program: Command): void {
  const command = program
    .command('sync')
    .argument('<new>', 'the new snapshot (JSONL or CSV, as import reads): what the app must hold at the end')
    .description(
      'bring the IM app from an older snapshot (--since) or from what it holds to NEW: deletes, updates, imports',
    )
    .option(
      '--since <old>',
      'the older snapshot the app was brought to (default: read the lists of the users NEW names with friend_get)',
    )
    .option('--delete', 'delete the pairs NEW no longer has (friend_delete, one-way); default: keep them')
    .option('--dry-run', 'make the plan here (needs --since) and print it; write nothing to IM or Temporal')
    .option(
      '--format <format>',
      'the format of NEW: jsonl or csv (default: from the file extension)',
      parseFormat('--format'),
    )
    .option(
      '--since-format <format>',
      'the format of OLD: jsonl or csv (default: from the file extension)',
      parseFormat('--since-format'),
    )
    .option(
      '--job-id <id>',
      'the job ID: re-attaches when that sync job exists, else starts it under this ID',
    )
    .option(
      '--report <file>',
      'failure report (JSONL; the CSV and report.parts/plan/ go beside it); default ./friend-import-reports/<job>/report.jsonl',
    )
    .option(
      '--update-batch <n>',
      'items of one user per friend_update call, 1–1000 (default 100)',
      wholeNumber('--update-batch', 1, 1_000),
    )
    .option('--detach', 'start the job, print its ID and exit')
    .option('--json', 'print one JSON summary on stdout at the end (with --dry-run: the plan)')
    .option(
      '--notify <url>',
      "POST the sync job's end (completed, cancelled or failed) to this http(s) URL, retried up to 24 h",
      parseNotifyUrl,
    );
  appOption(command);
  jobSizeOptions(command, 'calls in flight', {
    concurrency: '; change it later with friend-import concurrency',
    pageLines: '; here: users of a plan file per page',
  })
    .addHelpText(
      'after',
      '\nExit codes: 0 every write done · 1 the job failed · 2 bad usage or unreadable input · ' +
        '3 finished with failed items (with --dry-run: rows of NEW rejected) · 4 cancelled · 130 detached with Ctrl-C',
    )
    .action(async (file: string, opts: SyncCommandOptions) => {
      await exitAfterOutput(await runSync(file, opts));
    });
}
