/**
 * ImportFriendsWorkflow: one durable import per From_Account (product.md §4).
 *
 * Items arrive as submissions (the `addItems` update, usually through Update-with-Start, so two
 * callers share one run). The workflow sends them in batches of ≤ 1,000, one call at a time — that
 * single loop is what makes G1 hold — records every item's one outcome, requeues per-item transient
 * failures, continues as new before its history grows large, and completes once the queue is empty.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { FriendImportActivity } from '../activities/friendImport.js';
import { parseFailureType } from '../im/errorCodes.js';
import {
  addItemsSignal,
  addItemsUpdate,
  importFailedSignal,
  jobControlSignal,
  progressQuery,
  submissionsDoneSignal,
  submissionQuery,
} from './definitions.js';
import { admit, applyAnswer, cancelQueued, failBatch, newLedger, sendable, takeBatch } from './ledger.js';
import { resultOf, submissionOutcome } from './outcomes.js';
import { FRIEND_IMPORT_ACTIVITY_OPTIONS } from './policies.js';
import { FailedKey, FromAccountKey, ImportedKey, StateKey } from './searchAttributes.js';
import {
  DEFAULT_IMPORT_OPTIONS,
  type ImportFriendsInput,
  type ImportFriendsResult,
  type ImportState,
  type LedgerState,
  type QueuedItem,
  type Submission,
} from './types.js';

/** Search attributes are refreshed at most every this many calls (each upsert is a history event). */
const UPSERT_EVERY_CALLS = 5;

export async function ImportFriendsWorkflow(input: ImportFriendsInput): Promise<ImportFriendsResult> {
  const options = { ...DEFAULT_IMPORT_OPTIONS, ...input.options };
  const state: LedgerState = input.carried ?? newLedger(input.fromAccount, Date.now());
  let status: ImportState = 'running';
  let inFlight: QueuedItem[] = [];
  // Outcome signals must be delivered before the run closes: the server drops a signal whose
  // sender has completed (measured), so every exit awaits them.
  const signalsInFlight: Promise<void>[] = [];

  // Completed submissions not yet reported, by notify target (a bulk job). One signal per target
  // carries them all once none of that target's submissions is pending: a user whose items came in
  // several submissions costs the job one signal, and this run one workflow task, not several.
  const unreported = new Map<string, string[]>();
  const report = (workflowId: string): void => {
    const outcomes = (unreported.get(workflowId) ?? []).map((id) => submissionOutcome(state, id));
    unreported.delete(workflowId);
    if (outcomes.length === 0) return;
    signalsInFlight.push(
      CancellationScope.nonCancellable(() =>
        getExternalWorkflowHandle(workflowId).signal(submissionsDoneSignal, outcomes),
      ).catch((err: unknown) => log.warn('could not report outcomes', { workflowId, error: String(err) })),
    );
  };
  const notifyCompleted = (ids: string[], all = false): void => {
    for (const id of ids) {
      const target = state.submissions[id]?.notify?.workflowId;
      if (target) unreported.set(target, [...(unreported.get(target) ?? []), id]);
    }
    for (const target of [...unreported.keys()]) {
      const waiting = Object.values(state.submissions).some(
        (x) => x.pending > 0 && x.notify?.workflowId === target,
      );
      if (all || !waiting) report(target);
    }
  };

  setHandler(
    addItemsUpdate,
    (submission) => {
      const { accepted, completed } = admit(state, submission);
      notifyCompleted(completed);
      return accepted;
    },
    {
      validator: (submission: Partial<Submission> | null) => {
        if (status !== 'running')
          throw new Error(`the import for ${state.fromAccount} is ${status}; start a new one`);
        if (typeof submission?.id !== 'string' || !Array.isArray(submission.items))
          throw new Error('a submission needs an id and an items array');
      },
      description: 'Adds items to this user’s import; returns once they are queued',
    },
  );
  setHandler(submissionQuery, (id) => submissionOutcome(state, id));
  setHandler(addItemsSignal, (submission) => {
    const { completed } = admit(state, submission);
    notifyCompleted(completed);
    // A run that is cancelled or failed sends nothing more: the new items end here, and are told so.
    if (status === 'cancelled') notifyCompleted(cancelQueued(state));
    if (status === 'failed' && submission.notify)
      void getExternalWorkflowHandle(submission.notify.workflowId)
        .signal(importFailedSignal, {
          fromAccount: state.fromAccount,
          submissionIds: [submission.id],
          message: `the import for ${state.fromAccount} failed before these items could be sent`,
        })
        .catch(() => undefined);
  });
  setHandler(jobControlSignal, ({ jobWorkflowId, action }) => {
    state.pausedJobs = state.pausedJobs.filter((j) => j !== jobWorkflowId);
    if (action === 'pause') state.pausedJobs.push(jobWorkflowId);
    if (action === 'cancel') notifyCompleted(cancelQueued(state, jobWorkflowId));
  });
  setHandler(progressQuery, () => ({
    fromAccount: state.fromAccount,
    state: status,
    queued: state.queue.length,
    inFlight: inFlight.length,
    items: state.items,
    imported: state.imported,
    failed: state.failed,
    calls: state.calls,
    submissions: state.seenSubmissions.length,
  }));

  const publish = (force = false): void => {
    setCurrentDetails(
      `**${state.fromAccount}**: ${state.imported} imported, ${state.failed} failed, ${state.queue.length} queued ` +
        `of ${state.items} items · ${state.calls} friend_import calls · ${status}`,
    );
    if (!force && (state.calls === 0 || state.calls % UPSERT_EVERY_CALLS !== 0)) return;
    upsertSearchAttributes([
      { key: FromAccountKey, value: state.fromAccount },
      { key: StateKey, value: status },
      { key: ImportedKey, value: state.imported },
      { key: FailedKey, value: state.failed },
    ]);
  };
  // No upsert at the start: the starter set the attributes, and continue-as-new carries them over.
  publish(false);

  const callsFor = (batch: QueuedItem[]) =>
    proxyActivities<{ friendImport: FriendImportActivity }>({
      ...FRIEND_IMPORT_ACTIVITY_OPTIONS,
      taskQueue: input.callsTaskQueue,
      summary: `friend_import ${state.fromAccount}: ${batch.length} items`,
    });

  /** Sends batches until the queue is empty (or the run should continue as new). */
  const sendQueued = async (): Promise<'drained' | 'continue-as-new'> => {
    for (;;) {
      // Wait for items that may be sent (a paused job's items wait), or finish once none are left.
      await condition(
        () =>
          state.queue.some((q) => sendable(state, q)) || (state.queue.length === 0 && allHandlersFinished()),
      );
      if (state.queue.length === 0) return 'drained';
      if (shouldContinueAsNew(options.continueAsNewAfterEvents)) return 'continue-as-new';
      inFlight = takeBatch(state, options.batchSize, options.maxBatchBytes);
      const batch = inFlight;
      // A cancellation lets the call in flight finish, so its items get their real outcomes.
      const outcome = await CancellationScope.nonCancellable(async () => {
        try {
          const answer = await callsFor(batch).friendImport({
            fromAccount: state.fromAccount,
            items: batch.map((q) => q.item),
          });
          return { completed: applyAnswer(state, batch, answer, options.maxItemAttempts) };
        } catch (err) {
          return onCallFailure(state, batch, err);
        }
      });
      if ('fatal' in outcome) {
        status = 'failed';
        publish(true);
        await CancellationScope.nonCancellable(() => reportFatal(outcome.fatal.message));
        throw ApplicationFailure.nonRetryable(outcome.fatal.message, outcome.fatal.type);
      }
      inFlight = [];
      notifyCompleted(outcome.completed);
      publish();
    }
  };

  try {
    for (;;) {
      if ((await sendQueued()) === 'continue-as-new') {
        await condition(allHandlersFinished);
        notifyCompleted([], true);
        await Promise.all(signalsInFlight);
        return await continueAsNew<typeof ImportFriendsWorkflow>({ ...input, carried: state });
      }
      // Items added while the last outcomes went out are sent before the run completes.
      await condition(allHandlersFinished);
      await CancellationScope.nonCancellable(() => Promise.all(signalsInFlight));
      if (state.queue.length === 0) break;
    }
    status = 'completed';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    status = 'cancelled';
    notifyCompleted(cancelQueued(state));
  }
  await CancellationScope.nonCancellable(() => Promise.all(signalsInFlight));
  publish(true);
  return resultOf(state, status, Date.now());

  /** Tells the workflows that fed this user (bulk jobs) that its import failed for good. */
  async function reportFatal(message: string): Promise<void> {
    const byTarget = new Map<string, string[]>();
    for (const s of Object.values(state.submissions)) {
      if (s.pending > 0 && s.notify)
        byTarget.set(s.notify.workflowId, [...(byTarget.get(s.notify.workflowId) ?? []), s.id]);
    }
    await Promise.all(signalsInFlight);
    await Promise.all(
      [...byTarget].map(([workflowId, submissionIds]) =>
        getExternalWorkflowHandle(workflowId)
          .signal(importFailedSignal, { fromAccount: state.fromAccount, submissionIds, message })
          .catch((err: unknown) =>
            log.warn('could not report the failure', { workflowId, error: String(err) }),
          ),
      ),
    );
  }
}

type CallOutcome = { completed: string[] } | { fatal: { message: string; type: string } };

/** A call that ended in a failure: permanent codes fail the batch's items, spent retries too. */
function onCallFailure(state: LedgerState, batch: QueuedItem[], err: unknown): CallOutcome {
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause;
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  const parsed = parseFailureType(type);
  const message = cause?.message ?? err.message;
  const detail =
    cause instanceof ApplicationFailure
      ? (cause.details?.[0] as { attempt?: number } | undefined)
      : undefined;
  const maxAttempts = FRIEND_IMPORT_ACTIVITY_OPTIONS.retry?.maximumAttempts ?? 1;
  const attempts = detail?.attempt ?? maxAttempts;
  if (parsed?.class === 'config') return { fatal: { message, type: type ?? 'IM_CONFIG' } };
  if (parsed?.class === 'permanent')
    return {
      completed: failBatch(state, batch, { code: parsed.code, reason: message, kind: 'permanent' }, attempts),
    };
  // Retries spent on a transient, rate-limit or auth code, or on timeouts.
  return {
    completed: failBatch(
      state,
      batch,
      {
        code: parsed?.code ?? 30006,
        reason: `${message} (transient; gave up after ${attempts} attempts)`,
        kind: 'exhausted',
      },
      attempts,
    ),
  };
}

function shouldContinueAsNew(afterEvents: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= afterEvents;
}
