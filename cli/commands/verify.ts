/**
 * `friend-import verify FILE [--format jsonl|csv] [--fields] [--job-id ID] [--repair] [--report FILE]
 * [--json] [--detach] [--concurrency N]` (docs/verify.md): starts a verify job that checks the IM
 * app holds what FILE imports, follows it with live progress on stderr, and prints its summary;
 * with `--repair`, also follows the import of the missing and different pairs.
 * Exit codes: 0 everything as expected · 3 differences · others as `import` (cli/commands/errors.ts).
 */
import type { Command } from 'commander';
import { EXIT, exitAfterOutput } from './errors.js';
import { appOption } from './support/app.js';
import { jobSizeOptions, printDetached, reportJsonlOf } from './support/jobCommand.js';
import { parseNotifyUrl } from './support/options.js';

interface VerifyCommandOptions {
  format?: string;
  fields?: boolean;
  jobId?: string;
  repair?: boolean;
  report?: string;
  json?: boolean;
  detach?: boolean;
  concurrency?: number;
  pageLines?: number;
  app?: number;
  notify?: string;
}

async function runVerify(file: string, opts: VerifyCommandOptions): Promise<number> {
  const { formatOf, checkSource, sourceLocation } = await import('./support/source.js');
  const { openTemporal, jobIdOf } = await import('./support/context.js');
  const { bulkJob } = await import('../../client/bulkJobs.js');
  const { describeJob, startVerifyJob } = await import('../../client/verifyJobs.js');
  const { followVerify, formatVerifySummary, verifyExitCode } = await import('./support/verifyView.js');
  const { followJob } = await import('./support/jobView.js');
  const { formatSummary, exitCodeFor } = await import('./support/summary.js');
  const { count } = await import('./support/format.js');

  const format = formatOf(file, opts.format);
  const importJobId = opts.jobId !== undefined ? jobIdOf(opts.jobId) : undefined;
  // The file first: an unreadable one is exit 2 even with no cluster.
  await checkSource(file, format);
  const ctx = await openTemporal();
  try {
    const { appOf } = await import('./support/app.js');
    const sdkAppId = appOf(opts.app, process.env);
    const target = {
      client: ctx.client,
      taskQueue: ctx.taskQueue,
      ...(sdkAppId !== undefined && { sdkAppId }),
    };
    if (importJobId) {
      const job = await describeJob(ctx.client, importJobId);
      if (job?.status === 'RUNNING')
        process.stderr.write(
          `Import job ${importJobId} is still running: this verify reads a moving target (its summary names the imports it met).\n`,
        );
    }
    const jsonl = reportJsonlOf(opts.report);
    const handle = await startVerifyJob(target, {
      path: file,
      format,
      fields: opts.fields === true,
      ...(importJobId && { importJobId }),
      ...(jsonl && { report: jsonl }),
      ...(opts.repair && { repair: true }),
      ...(opts.concurrency && { concurrency: opts.concurrency }),
      ...(opts.pageLines && { pageLines: opts.pageLines }),
      ...(opts.notify && { notify: opts.notify }),
    });
    process.stderr.write(
      `Started verify job ${handle.jobId} for ${sourceLocation(file)} (${format}${opts.fields ? ', fields' : ''}) on ${ctx.address}, task queue ${ctx.taskQueue}.\n`,
    );
    if (opts.detach)
      return printDetached(
        handle,
        opts.json,
        `friend-import status ${handle.jobId}  (pause · resume · cancel · report work on it too)`,
      );
    process.stderr.write('Ctrl-C detaches; the job keeps running in the workers.\n');
    const summary = await followVerify(handle, {
      progress: true,
      detachHint:
        `Detached from verify job ${handle.jobId}; it keeps running in the workers.\n` +
        `See it with: friend-import status ${handle.jobId} · pause · resume · cancel · report`,
    });
    if (!opts.json) process.stdout.write(`${formatVerifySummary(summary)}\n`);
    let code = verifyExitCode(summary);
    let repair;
    if (summary.repairJobId) {
      process.stderr.write(
        `Repairing: import job ${summary.repairJobId} imports the ${count(summary.repairItems, 'missing or different pair')}.\n`,
      );
      repair = await followJob(bulkJob(target, summary.repairJobId), {
        progress: true,
        detachHint:
          `Detached from the repair job ${summary.repairJobId}; it keeps running in the workers.\n` +
          `Follow it with: friend-import status ${summary.repairJobId}`,
      });
      if (!opts.json) process.stdout.write(`${formatSummary(repair)}\n`);
      // The differences were found either way; a repair that did not finish is the worse news.
      if (exitCodeFor(repair) === EXIT.failure || exitCodeFor(repair) === EXIT.cancelled)
        code = exitCodeFor(repair);
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(repair ? { ...summary, repair } : summary)}\n`);
    return code;
  } finally {
    await ctx.close();
  }
}

export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .argument('<file>', 'the JSONL or CSV file an import read')
    .description(
      'check that the IM app holds what FILE imports (a job like an import: pause, status, report work)',
    )
    .option('--format <format>', 'jsonl or csv (default: from the file extension)')
    .option('--fields', 'compare Remark, GroupName, AddSource, AddWording and custom tags too (friend_get)')
    .option(
      '--job-id <id>',
      'the import job of FILE: the items it failed with a permanent code are expected absent',
    )
    .option('--repair', 'import the missing and different pairs at the end (prints the repair job ID)')
    .option(
      '--report <file>',
      'diff report (JSONL; the CSV and the repair file go beside it); default ./friend-import-reports/<verify job>/verify.jsonl',
    )
    .option('--json', 'print one JSON summary on stdout at the end')
    .option('--detach', 'start the job, print its ID and exit')
    .option(
      '--notify <url>',
      "POST the verify job's end (completed, cancelled or failed) to this http(s) URL, retried up to 24 h",
      parseNotifyUrl,
    );
  appOption(command);
  jobSizeOptions(command, 'friend_check or friend_get calls in flight')
    .addHelpText(
      'after',
      '\nExit codes: 0 every pair as expected · 1 the job failed · 2 bad usage or unreadable input · ' +
        '3 differences found · 4 cancelled · 130 detached with Ctrl-C',
    )
    .action(async (file: string, opts: VerifyCommandOptions) => {
      await exitAfterOutput(await runVerify(file, opts));
    });
}
