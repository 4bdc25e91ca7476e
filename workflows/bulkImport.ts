/**
 * BulkImportWorkflow: one per file job (product.md §4). It pages through the source with an
 * activity (a byte cursor in its state; the file never enters history), hands each user's items to
 * that user's ImportFriendsWorkflow, keeps a bounded number of users in flight, counts their
 * outcomes as they are signalled back, writes the failure report, and continues as new so its
 * history stays bounded for any file size. Pause, resume, cancel and the in-flight window are
 * controlled while it runs.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BulkActivities } from '../activities/bulk.js';
import type { BulkJobInput, JobControl, JobProgress, JobSummary } from './bulkTypes.js';
import {
  newBulkState,
  onOutcome,
  onPage,
  onUserFailed,
  pendingCount,
  pendingUsers,
  wantsPage,
  type BulkState,
} from './bulkLedger.js';
import {
  cancelJobUpdate,
  importFailedSignal,
  jobProgressQuery,
  pauseJobUpdate,
  resumeJobUpdate,
  setConcurrencyUpdate,
  submissionsDoneSignal,
} from './definitions.js';
import { FailedKey, ImportedKey, JobIdKey, StateKey } from './searchAttributes.js';

/** Failure rows are written to a report part once this many are waiting. */
const FLUSH_ROWS = 500;
const MAX_ITEMS_PER_PAGE = 50_000;
export const MAX_CONCURRENCY = 2_000;

const quick = proxyActivities<BulkActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});
const paging = proxyActivities<BulkActivities>({
  // Reading a page and delivering up to `concurrency` users; heartbeats after each user.
  startToCloseTimeout: '10 minutes',
  // It heartbeats after every user it delivers: a worker killed mid-page is noticed within 20 s.
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function BulkImportWorkflow(input: BulkJobInput, carried?: BulkState): Promise<JobSummary> {
  const jobWorkflowId = workflowInfo().workflowId;
  const s: BulkState = carried ?? newBulkState(clamp(input.concurrency), Date.now(), 0);
  let readInFlight = false;

  const progress = (): JobProgress => ({
    ...s.counters,
    failedByCode: { ...s.counters.failedByCode },
    jobId: input.jobId,
    state: s.state,
    inFlight: pendingCount(s),
    concurrency: s.concurrency,
    offset: s.cursor.offset,
    sourceBytes: s.sourceBytes,
    eof: s.eof,
    startedAt: s.startedAt,
    elapsedMs: Date.now() - s.startedAt,
    ...(s.error ? { error: s.error } : {}),
    reportJsonl: input.reportJsonl,
    reportCsv: input.reportCsv,
  });
  const publish = (): void => {
    const c = s.counters;
    setCurrentDetails(
      `Job **${input.jobId}** (${s.state}): ${c.lines} lines, ${c.users} users, ${c.items} items — ` +
        `${c.imported} imported, ${c.failed} failed, ${pendingCount(s)} users in flight.`,
    );
    upsertSearchAttributes([
      { key: JobIdKey, value: input.jobId },
      { key: StateKey, value: s.state },
      { key: ImportedKey, value: c.imported },
      { key: FailedKey, value: c.failed },
    ]);
  };
  const control = async (action: JobControl['action']): Promise<void> => {
    const fromAccounts = pendingUsers(s);
    if (fromAccounts.length > 0)
      await quick.controlUsers({ fromAccounts, control: { jobWorkflowId, action } });
  };
  const flush = async (all: boolean): Promise<void> => {
    while (s.buffer.length >= (all ? 1 : FLUSH_ROWS)) {
      const rows = s.buffer.splice(0, FLUSH_ROWS * 4);
      const name = `failures-${String(s.parts++).padStart(8, '0')}.jsonl`;
      await quick.writeReportPart({ reportDir: input.reportDir, name, rows });
    }
  };
  const cancel = async (): Promise<void> => {
    if (s.state === 'cancelling' || s.state === 'cancelled' || s.state === 'failed') return;
    s.state = 'cancelling';
    publish();
    await control('cancel');
  };

  setHandler(submissionsDoneSignal, (outcomes) => {
    for (const outcome of outcomes) onOutcome(s, outcome, readInFlight);
  });
  setHandler(importFailedSignal, ({ fromAccount, submissionIds, message }) => {
    onUserFailed(s, fromAccount, submissionIds, message);
  });
  setHandler(jobProgressQuery, progress);
  setHandler(pauseJobUpdate, async () => {
    if (s.state === 'running') {
      s.state = 'paused';
      publish();
      await control('pause');
    }
    return progress();
  });
  setHandler(resumeJobUpdate, async () => {
    if (s.state === 'paused') {
      s.state = 'running';
      publish();
      await control('resume');
    }
    return progress();
  });
  setHandler(cancelJobUpdate, async () => {
    await cancel();
    return progress();
  });
  setHandler(
    setConcurrencyUpdate,
    (n) => {
      s.concurrency = n;
      return progress();
    },
    {
      validator: (n: number) => {
        if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY)
          throw new Error(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`);
      },
    },
  );

  try {
    if (!carried) {
      s.sourceBytes = (await quick.describeSource({ path: input.source.path })).bytes;
      publish();
    }
    for (;;) {
      await condition(
        () =>
          s.error !== undefined ||
          s.buffer.length >= FLUSH_ROWS ||
          wantsPage(s) ||
          ((s.eof || s.state === 'cancelling') && pendingCount(s) === 0),
      );
      await flush(false);
      if (s.error !== undefined && s.state !== 'cancelling') await cancel();
      if ((s.eof || s.state === 'cancelling') && pendingCount(s) === 0) break;
      if (!wantsPage(s)) continue;
      if (shouldContinueAsNew(input.continueAsNewAfterEvents)) {
        await condition(allHandlersFinished);
        await flush(true);
        return await continueAsNew<typeof BulkImportWorkflow>(input, s);
      }
      readInFlight = true;
      // Not cancellable midway: a page is delivered whole, so every user it started is known here.
      const page = await CancellationScope.nonCancellable(() =>
        paging.readAndDeliver({
          jobId: input.jobId,
          jobWorkflowId,
          source: input.source,
          cursor: s.cursor,
          limits: {
            maxLines: input.pageLines,
            maxUsers: Math.max(1, s.concurrency - pendingCount(s)),
            maxItems: MAX_ITEMS_PER_PAGE,
          },
          reportDir: input.reportDir,
        }),
      );
      readInFlight = false;
      onPage(s, page);
      // A pause that arrived while the page was delivered must reach its new users too.
      if (s.state === 'paused') await control('pause');
      publish();
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // `temporal workflow cancel` (or the client's cancel): the same as the cancel command.
    await CancellationScope.nonCancellable(async () => {
      await cancel();
      await condition(() => pendingCount(s) === 0);
    });
  }

  return await CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    await flush(true);
    const finalState =
      s.error !== undefined ? 'failed' : s.state === 'cancelling' ? 'cancelled' : 'completed';
    s.state = finalState;
    await quick.finalizeReport({
      reportDir: input.reportDir,
      reportJsonl: input.reportJsonl,
      reportCsv: input.reportCsv,
    });
    publish();
    if (finalState === 'failed')
      throw ApplicationFailure.nonRetryable(
        `job ${input.jobId} stopped: ${s.error}. The report so far is in ${input.reportJsonl}.`,
        'JobFailed',
      );
    return { ...progress(), reportJsonl: input.reportJsonl, reportCsv: input.reportCsv };
  });
}

function clamp(n: number): number {
  return Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(n)));
}

function shouldContinueAsNew(afterEvents = 2_500): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= afterEvents;
}
