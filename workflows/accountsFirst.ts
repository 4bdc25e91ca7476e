/**
 * Accounts first in a bulk job (docs/cli.md, "Accounts first"): before a page with
 * `createAccounts`, the prepareAccounts activity checks and creates the accounts the page's lines
 * name. The job keeps only counts and the name of the page's file of uncreatable accounts, which
 * the page reads: no account list enters history.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { JobActivities } from '../core/activities.js';
import { addAccountTotals, type AccountTotals } from '../core/accounts.js';
import type { JobCounters, JobPageInput } from '../core/jobTypes.js';
import type { JobRun } from './pagedJob.js';

/**
 * Runs the step for the page whose input is `page` (the same cursor and limits its importPage
 * gets) and counts it in `totals`; returns the page's file of uncreatable accounts, if any. A wrong
 * setting fails the job (its state and error are set): the page is then not run.
 */
export async function prepareAccounts(
  page: JobPageInput,
  s: JobRun<JobCounters>,
  totals: AccountTotals,
): Promise<{ file?: string; failed: boolean }> {
  const step = proxyActivities<JobActivities>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '20s',
    retry: {
      initialInterval: '2s',
      maximumInterval: '30s',
      nonRetryableErrorTypes: ['SourceUnreadable', 'SourceChanged', 'ReportUnwritable'],
    },
    summary: `accounts of page ${page.page} from line ${page.cursor.line}`,
  });
  const r = await step.prepareAccounts({
    jobId: page.jobId,
    ...(page.sdkAppId !== undefined && { sdkAppId: page.sdkAppId }),
    page: page.page,
    source: page.source,
    ...(page.sourceIdentity && { sourceIdentity: page.sourceIdentity }),
    cursor: page.cursor,
    limits: page.limits,
    reportDir: page.reportDir,
  });
  // Only the counts are kept (the result may carry more fields than the totals).
  addAccountTotals(totals, {
    checked: r.checked,
    created: r.created,
    failed: r.failed,
    calls: { account_check: r.calls.account_check, multiaccount_import: r.calls.multiaccount_import },
  });
  // The first page's step took the source's identity: its page checks the file against it.
  if (r.sourceIdentity && !s.sourceIdentity) s.sourceIdentity = r.sourceIdentity;
  if (r.error !== undefined) {
    s.error = r.error;
    s.state = 'failed';
    return { failed: true };
  }
  return { ...(r.file !== undefined && { file: r.file }), failed: false };
}
