/**
 * BulkImportWorkflow: one per file job (docs/architecture.md, the bulk path). It runs the file as
 * a series of pages, one at a time; each page is one long, heartbeating importPage activity that
 * makes the friend_import calls for all the users in it. The job keeps the cursor (never the
 * file), the counters and the state; it can be paused, resumed, cancelled and re-sized while it
 * runs, writes the failure report at the end, and continues as new so its history stays bounded
 * for any file size. It starts no workflow per user. What it does like a verify job lives in
 * workflows/jobControl.ts.
 */
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { JobActivities } from '../core/activities.js';
import {
  addCounters,
  emptyCounters,
  type BulkJobInput,
  type JobCounters,
  type JobProgress,
  type JobSummary,
} from '../core/jobTypes.js';
import { errorAndReport, firstRun, pageInput, runFigures, runJob, type JobRun } from './jobControl.js';

/** What a job carries from run to run (continue-as-new). */
export interface JobRunState extends JobRun<JobCounters> {
  /** The last page stopped early (paused): the next one may re-send items that already landed. */
  resumed: boolean;
}

const quick = proxyActivities<JobActivities>({
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
  return await runJob(s, input, {
    progress,
    details: (c) =>
      `Job **${input.jobId}** (${s.state}): page ${s.pages}, ${c.lines} lines, ${c.items} items — ` +
      `${c.imported} imported, ${c.failed} failed, ${c.calls} friend_import calls.`,
    items: () => s.counters,
    continueAsNew: () => continueAsNew<typeof BulkImportWorkflow>(input, s),
    // A retry waits at least two seconds: the failed attempt's last calls leave the app's window first.
    firstRetryAfter: '2s',
    runPage: (page, activities) =>
      activities.importPage(pageInput(input, s, page, { ...(s.resumed && { resumed: true }) })),
    // Counted once: a page's activity completes once.
    countPage: (page) => {
      addCounters(s.counters, page.counters);
      s.resumed = page.stopped === 'paused';
    },
    name: `job ${input.jobId}`,
    finalize: async () => {
      await quick.finalizeReport({
        reportDir: input.reportDir,
        reportJsonl: input.reportJsonl,
        reportCsv: input.reportCsv,
      });
    },
    result: () => ({ ...progress(), reportJsonl: input.reportJsonl, reportCsv: input.reportCsv }),
  });
}
