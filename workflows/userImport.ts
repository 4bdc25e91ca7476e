/**
 * ImportFriendsWorkflow: the durable import of one user's friends, one run per (SDKAppID,
 * From_Account) at a time (docs/architecture.md, "The user import"). Items arrive as submissions
 * through the `addItems` update, usually by Update-with-Start, so every caller joins the one run
 * of that user. The run sends them in batches of up to 1,000, one call at a time, records every
 * item's one outcome, requeues per-item transient failures, continues as new before its history
 * grows large, and completes once the queue is empty.
 *
 * The quick path (runs started with `protocol: 2`): when a batch is all the run has to send, its
 * first try is a local activity made inside the workflow task that accepted the submission, and
 * the update answers with the submission's outcome: a user whose import fits one call and goes
 * well costs one workflow task. A try that cannot go at once (a bulk job writes the user, no rate
 * share is free) or fails transiently parks the run: the batch goes on as the `friendImport`
 * activity on the app's rate-limited calls queue, with its retry policy, and updates answer with
 * their acceptance only. So do runs with more than one batch to send.
 *
 * Runs started without `protocol` (by clients of builds before 0.2.0-dev.2) make every try an activity and answer
 * updates with their acceptance: that path stays as it was, so their histories replay.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { FriendImportInput, ServiceActivities } from '../core/activities.js';
import { admit } from '../core/admit.js';
import { applyAnswer, cancelQueued, failBatch, newLedger, takeBatch } from '../core/ledger.js';
import { resultOf, submissionOutcome } from '../core/outcomes.js';
import {
  DEFAULT_IMPORT_OPTIONS,
  type ImportFriendsInput,
  type ImportFriendsResult,
  type ImportState,
  type LedgerState,
  type QueuedItem,
  type Submission,
  type SubmissionAccepted,
} from '../core/userImportTypes.js';
import { addItemsUpdate, callsQueueApp, progressQuery, submissionQuery } from '../core/definitions.js';
import {
  FRIEND_IMPORT_ACTIVITY_OPTIONS,
  FRIEND_IMPORT_LOCAL_OPTIONS,
  LOCAL_TRY_START_WITHIN_MS,
} from './policies.js';
import { shouldContinueAsNew } from './history.js';
import { classifyFailure, type FailureVerdict } from './tryFailure.js';
import { FailedKey, FromAccountKey, ImportedKey, StateKey } from '../core/searchAttributes.js';

/** Search attributes are refreshed at most every this many calls (each upsert is a history event). */
const UPSERT_EVERY_CALLS = 5;
/** Waits for a user that a bulk job holds: 1 s, 2 s, 4 s … at most 30 s between tries. */
const WAIT_MAX_MS = 30_000;
/** How long a run waits for the rest of a caller's submissions before it completes without them. */
const FOLLOWS_WAIT_MS = 5 * 60_000;

export async function ImportFriendsWorkflow(input: ImportFriendsInput): Promise<ImportFriendsResult> {
  const options = { ...DEFAULT_IMPORT_OPTIONS, ...input.options };
  const state: LedgerState = input.carried ?? newLedger(input.fromAccount, Date.now());
  const quick = input.protocol === 2;
  // The app the calls are for: workers serving several apps pick its settings by it.
  const sdkAppId = callsQueueApp(input.callsTaskQueue);
  let status: ImportState = 'running';
  let inFlight: QueuedItem[] = [];
  /**
   * The run waits on something outside its workflow task (a timer, an activity, its end): an
   * update then answers with the acceptance alone, and its caller asks for the outcome later.
   */
  let parked = !quick;
  // A run continued from one that set its state keeps it current to the end (the new run starts
  // with the attributes the last one had).
  let upserted = workflowInfo().typedSearchAttributes.get(StateKey) !== undefined;
  /** Submissions announced (`follows`) and not received yet: the run does not complete before them. */
  const awaiting = new Set(input.awaiting);

  const settled = (id: string): boolean => (state.submissions[id]?.pending ?? 0) === 0;
  const validator = (submission: Partial<Submission> | null): void => {
    if (status !== 'running')
      throw new Error(`the import for ${state.fromAccount} is ${status}; start a new one`);
    if (typeof submission?.id !== 'string' || !Array.isArray(submission.items))
      throw new Error('a submission needs an id and an items array');
  };
  if (quick)
    setHandler(
      addItemsUpdate,
      async (submission): Promise<SubmissionAccepted> => {
        const accepted = admit(state, submission).accepted;
        awaiting.delete(submission.id);
        if (!accepted.duplicate) for (const id of submission.follows ?? []) awaiting.add(id);
        if (!parked)
          await CancellationScope.nonCancellable(() => condition(() => parked || settled(submission.id)));
        const outcome = submissionOutcome(state, accepted.submissionId);
        return outcome.status === 'done' ? { ...accepted, outcome } : accepted;
      },
      {
        validator,
        description: 'Adds items to this user’s import; answers with their outcomes when they come at once',
      },
    );
  else
    setHandler(addItemsUpdate, (submission) => admit(state, submission).accepted, {
      validator,
      description: 'Adds items to this user’s import; returns once they are queued',
    });
  setHandler(submissionQuery, (id) => submissionOutcome(state, id));
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
    const periodic = state.calls > 0 && state.calls % UPSERT_EVERY_CALLS === 0;
    // A quick import that ends clean leaves its state to Temporal's own status (each upsert is an
    // event): only a long one, or one with failures or another end, says more.
    const due = quick
      ? force
        ? upserted || state.failed > 0 || status !== 'completed'
        : periodic
      : force || periodic;
    if (!due) return;
    upserted = true;
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
    proxyActivities<ServiceActivities>({
      ...FRIEND_IMPORT_ACTIVITY_OPTIONS,
      taskQueue: input.callsTaskQueue,
      summary: `friend_import ${state.fromAccount}: ${batch.length} items`,
    });
  const localFor = (batch: QueuedItem[]) =>
    proxyLocalActivities<ServiceActivities>({
      ...FRIEND_IMPORT_LOCAL_OPTIONS,
      summary: `friend_import ${state.fromAccount}: ${batch.length} items`,
    });

  /** One try of a batch: the call in flight is never cancelled, so its items get their real outcomes. */
  const tryOnce = (batch: QueuedItem[], how: { local: boolean; sentBefore: number }) =>
    CancellationScope.nonCancellable(async (): Promise<FailureVerdict | undefined> => {
      const request: FriendImportInput = {
        ...(sdkAppId !== undefined && { sdkAppId }),
        fromAccount: state.fromAccount,
        items: batch.map((q) => q.item),
        maybeLanded: batch
          .filter((q) => q.maybeLanded || q.attempts > 0 || how.sentBefore > 0)
          .map((q) => q.item.To_Account),
        ...(how.sentBefore > 0 && { sentBefore: how.sentBefore }),
        // Workflow time is the task's start: the try must start its call soon after it.
        ...(how.local && { startBy: Date.now() + LOCAL_TRY_START_WITHIN_MS }),
      };
      try {
        const answer = how.local
          ? await localFor(batch).friendImport(request)
          : await callsFor(batch).friendImport(request);
        applyAnswer(state, batch, answer, options.maxItemAttempts);
        return undefined;
      } catch (err) {
        return classifyFailure(err, how.local);
      }
    });

  /** Fails the run for a setting no retry can fix; a waiting update answers first. */
  const stop = async (fatal: { message: string; type: string }): Promise<never> => {
    status = 'failed';
    parked = true;
    publish(true);
    if (quick) await condition(allHandlersFinished);
    throw ApplicationFailure.nonRetryable(fatal.message, fatal.type);
  };

  /** The batch's tries as activities, after `sentBefore` calls of it were made by a local try. */
  const sendDurably = async (batch: QueuedItem[], sentBefore: number): Promise<void> => {
    for (let waitMs = 1_000; ; waitMs = Math.min(waitMs * 2, WAIT_MAX_MS)) {
      const failure = await tryOnce(batch, { local: false, sentBefore });
      if (failure === undefined) return;
      if (failure.wait) {
        // A bulk job writes for this user right now: wait (a cancellation may end the wait).
        await sleep(waitMs, { summary: failure.message });
        continue;
      }
      if ('fatal' in failure) return stop(failure.fatal);
      if ('retry' in failure) {
        // Not from an activity (its own retry policy spends its tries): a timeout of the call.
        await sleep(failure.delayMs);
        continue;
      }
      // The activity counts the batch's calls, a local first try's included.
      failBatch(state, batch, failure.failure, failure.calls);
      return;
    }
  };

  /** The quick path's first try; a try that cannot finish in the workflow task parks the run. */
  const sendQuickly = async (batch: QueuedItem[]): Promise<void> => {
    const failure = await tryOnce(batch, { local: true, sentBefore: 0 });
    if (failure === undefined) return;
    if ('fatal' in failure) return stop(failure.fatal);
    if ('failure' in failure) {
      failBatch(state, batch, failure.failure, failure.calls);
      return;
    }
    parked = true;
    // A refusal to wait costs no call; a transient failure was one, and is retried after its delay.
    let sent = 0;
    if ('retry' in failure) {
      sent = 1;
      await sleep(failure.delayMs, { summary: failure.message });
    }
    await sendDurably(batch, sent);
    parked = false;
  };

  /** Sends batches until the queue is empty (or the run should continue as new). */
  const sendQueued = async (): Promise<'drained' | 'continue-as-new'> => {
    for (;;) {
      await condition(() => state.queue.length > 0 || allHandlersFinished());
      if (state.queue.length === 0) return 'drained';
      if (shouldContinueAsNew(options.continueAsNewAfterEvents)) return 'continue-as-new';
      inFlight = takeBatch(state, options.batchSize, options.maxBatchBytes);
      // Quick only when this batch is all there is: a caller with more items than one call takes
      // gets its acceptance at once, not after every call of its import.
      if (quick && !parked && state.queue.length === 0 && awaiting.size === 0) await sendQuickly(inFlight);
      else if (parked) await sendDurably(inFlight, 0);
      else {
        parked = true;
        await sendDurably(inFlight, 0);
        parked = false;
      }
      inFlight = [];
      publish();
    }
  };

  try {
    for (;;) {
      if ((await sendQueued()) === 'continue-as-new') {
        // Updates still waiting for outcomes answer with their acceptance; the next run has them.
        if (quick) parked = true;
        await condition(allHandlersFinished);
        return await continueAsNew<typeof ImportFriendsWorkflow>({
          ...input,
          carried: state,
          ...(awaiting.size > 0 && { awaiting: [...awaiting] }),
        });
      }
      // Items added while the last call went out are sent before the run completes.
      await condition(allHandlersFinished);
      if (awaiting.size > 0 && state.queue.length === 0) {
        // The caller's next submission is on its way; a caller that is gone is waited for only so long.
        const arrived = await condition(() => awaiting.size === 0 || state.queue.length > 0, FOLLOWS_WAIT_MS);
        if (!arrived) awaiting.clear();
        continue;
      }
      if (state.queue.length === 0) break;
    }
    status = 'completed';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    status = 'cancelled';
    // A batch waiting for its user goes back to the queue, to be cancelled with the rest.
    state.queue.unshift(...inFlight);
    inFlight = [];
    cancelQueued(state);
  }
  publish(true);
  return resultOf(state, status, Date.now());
}
