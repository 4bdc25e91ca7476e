/**
 * BulkImportWorkflow: one per file job (docs/architecture.md, the bulk path). It runs the file as
 * a series of pages, one at a time; each page is one long, heartbeating importPage activity that
 * makes the friend_import calls for all the users in it. The job keeps the cursor (never the
 * file), the counters and the state; it can be paused, resumed, cancelled and re-sized while it
 * runs, writes the failure report at the end, and continues as new so its history stays bounded
 * for any file size. It starts no workflow per user. The pieces it shares with a verify job are in
 * workflows/pagedJob.ts.
 */
import { CancellationScope, continueAsNew } from '@temporalio/workflow';
import {
  addCounters,
  emptyCounters,
  type BulkJobInput,
  type JobCounters,
  type JobProgress,
  type JobSummary,
} from '../core/jobTypes.js';
// What both kinds of job do alike, step by step: `job.morePages`, `job.settle`, …
import * as job from './pagedJob.js';
import { prepareAccounts } from './accountsFirst.js';
import { emptyAccountTotals, type AccountTotals } from '../core/accounts.js';
import { notifyEnd, notifyIfThrown } from './notifyEnd.js';

/** What a job carries from run to run (continue-as-new). */
interface JobRunState extends job.JobRun<JobCounters> {
  /** The last page stopped early (paused): the next one may re-send items that already landed. */
  resumed: boolean;
  /** Accounts first (input.createAccounts): the accounts checked, created and not creatable. */
  accounts?: AccountTotals;
}

export async function BulkImportWorkflow(input: BulkJobInput, carried?: JobRunState): Promise<JobSummary> {
  return notifyIfThrown(input.notify, 'import', input.jobId, () => bulkImport(input, carried));
}

async function bulkImport(input: BulkJobInput, carried?: JobRunState): Promise<JobSummary> {
  const s: JobRunState = carried ?? { ...job.firstRun(input.concurrency, emptyCounters()), resumed: false };
  const progress = (): JobProgress => ({
    ...s.counters,
    failedByCode: { ...s.counters.failedByCode },
    jobId: input.jobId,
    state: s.state,
    ...job.runFigures(s),
    ...job.errorAndReport(s, input),
    ...(s.accounts && { accounts: { ...s.accounts, calls: { ...s.accounts.calls } } }),
  });
  const publishNow = (): void => {
    const c = s.counters;
    job.publish(
      input.jobId,
      s.state,
      `Job **${input.jobId}** (${s.state}): page ${s.pages}, ${c.lines} lines, ${c.items} items — ` +
        `${c.imported} imported, ${c.failed} failed${c.superseded ? `, ${c.superseded} superseded` : ''}, ` +
        `${c.calls} friend_import calls.`,
      c,
    );
  };

  // status, pause, resume, cancel and concurrency, answered from the first workflow task on.
  job.handleCommands(s, progress);

  // Page after page while the job runs. Nothing cancels a page from outside: a cancel is a state
  // the running page reads through its control query, and it stops at its next checkpoint.
  await CancellationScope.nonCancellable(async () => {
    while (await job.morePages(s)) {
      await job.continueAsNewWhenLong(input, () => continueAsNew<typeof BulkImportWorkflow>(input, s));
      const page = s.pages + 1;
      // Accounts first: the accounts the page's lines name exist before its friends are sent.
      const accounts = input.createAccounts
        ? await prepareAccounts(job.pageInput(input, s, page, {}), s, (s.accounts ??= emptyAccountTotals()))
        : undefined;
      if (accounts?.failed) continue;
      // A retry waits at least two seconds: the failed attempt's last calls leave the app's window first.
      const end = await job.pageActivities(page, s, '2s').importPage(
        job.pageInput(input, s, page, {
          ...(s.resumed && { resumed: true }),
          ...(accounts?.file !== undefined && { accountFailures: accounts.file }),
        }),
      );
      addCounters(s.counters, end.counters);
      s.resumed = end.stopped === 'paused';
      job.movePast(s, end);
      publishNow();
    }
  });

  // The end, once every update has been answered: the report, the final state in the UI.
  return await CancellationScope.nonCancellable(async () => {
    await job.settle(s);
    // The report, and the retry file of what a re-run could change (it reads the source again).
    const written = await job.reports.finalizeReport({
      ...job.reportFiles(input),
      source: input.source,
      ...(s.sourceIdentity?.etag !== undefined && { etag: s.sourceIdentity.etag }),
      readTo: { eof: s.eof, line: s.cursor.line },
    });
    publishNow();
    // Told in every end state, a failed one included: only when the job has a notify URL.
    const summary = await notifyEnd(input.notify, 'import', {
      ...progress(),
      reportJsonl: input.reportJsonl,
      reportCsv: input.reportCsv,
      ...(written.retryFile !== undefined && {
        retryFile: written.retryFile,
        retryItems: written.retryItems ?? 0,
      }),
    });
    if (s.state === 'failed') throw job.failure(`job ${input.jobId}`, s, input);
    return summary;
  });
}
