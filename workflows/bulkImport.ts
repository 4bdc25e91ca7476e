/**
 * BulkImportWorkflow: one per file job (docs/architecture.md, the bulk path). It runs the file as
 * a series of pages, one at a time; each page is one long, heartbeating importPage activity that
 * makes the friend_import calls for all the users in it. The job keeps the cursor (never the
 * file), the counters and the state; it can be paused, resumed, cancelled and re-sized while it
 * runs, writes the failure report at the end, and continues as new so its history stays bounded
 * for any file size. It starts no workflow per user. The pieces it shares with a verify job are in
 * workflows/pagedJob.ts.
 */
import { CancellationScope, continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { JobActivities } from '../core/activities.js';
import {
  addCounters,
  emptyCounters,
  type BulkJobInput,
  type JobCounters,
  type JobProgress,
  type JobSummary,
} from '../core/jobTypes.js';
import {
  continueAsNewWhenLong,
  errorAndReport,
  firstRun,
  handleJobCommands,
  jobFailed,
  morePages,
  movePast,
  pageActivities,
  pageInput,
  publishJob,
  reportFiles,
  runFigures,
  settle,
  type JobRun,
} from './pagedJob.js';

/** What a job carries from run to run (continue-as-new). */
export interface JobRunState extends JobRun<JobCounters> {
  /** The last page stopped early (paused): the next one may re-send items that already landed. */
  resumed: boolean;
}

const reports = proxyActivities<JobActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function BulkImportWorkflow(input: BulkJobInput, carried?: JobRunState): Promise<JobSummary> {
  const s: JobRunState = carried ?? { ...firstRun(input.concurrency, emptyCounters()), resumed: false };
  const progress = (): JobProgress => ({
    ...s.counters,
    failedByCode: { ...s.counters.failedByCode },
    jobId: input.jobId,
    state: s.state,
    ...runFigures(s),
    ...errorAndReport(s, input),
  });
  const publish = (): void => {
    const c = s.counters;
    publishJob(
      input.jobId,
      s.state,
      `Job **${input.jobId}** (${s.state}): page ${s.pages}, ${c.lines} lines, ${c.items} items — ` +
        `${c.imported} imported, ${c.failed} failed, ${c.calls} friend_import calls.`,
      c,
    );
  };

  // status, pause, resume, cancel and concurrency, answered from the first workflow task on.
  handleJobCommands(s, progress);

  // Page after page while the job runs. Nothing cancels a page from outside: a cancel is a state
  // the running page reads through its control query, and it stops at its next checkpoint.
  await CancellationScope.nonCancellable(async () => {
    while (await morePages(s)) {
      await continueAsNewWhenLong(input, () => continueAsNew<typeof BulkImportWorkflow>(input, s));
      const page = s.pages + 1;
      // A retry waits at least two seconds: the failed attempt's last calls leave the app's window first.
      const end = await pageActivities(page, s, '2s').importPage(
        pageInput(input, s, page, { ...(s.resumed && { resumed: true }) }),
      );
      addCounters(s.counters, end.counters);
      s.resumed = end.stopped === 'paused';
      movePast(s, end);
      publish();
    }
  });

  // The end, once every update has been answered: the report, the final state in the UI.
  return await CancellationScope.nonCancellable(async () => {
    await settle(s);
    await reports.finalizeReport(reportFiles(input));
    publish();
    if (s.state === 'failed') throw jobFailed(`job ${input.jobId}`, s, input);
    return { ...progress(), reportJsonl: input.reportJsonl, reportCsv: input.reportCsv };
  });
}
