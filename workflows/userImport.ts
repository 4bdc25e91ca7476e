/**
 * ImportFriendsWorkflow: the service path's durable import, one per From_Account
 * (docs/architecture.md). Items arrive as submissions (the `addItems` update, usually through
 * Update-with-Start, so every caller joins the one run of that user). The workflow sends them in
 * batches of up to 1,000, one call at a time, records every item's one outcome, requeues
 * per-item transient failures, continues as new before its history grows large, and completes
 * once the queue is empty.
 *
 * Each call's activity leases the user and a share of the app's rate from the app coordinator,
 * so a bulk job writing for the same user never overlaps it; when the user is busy there the
 * activity says so and the workflow waits and sends the same batch again.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ServiceActivities } from '../core/activities.js';
import { admit, applyAnswer, cancelQueued, failBatch, newLedger, takeBatch } from '../core/ledger.js';
import { resultOf, submissionOutcome } from '../core/outcomes.js';
import {
  DEFAULT_IMPORT_OPTIONS,
  type ImportFriendsInput,
  type ImportFriendsResult,
  type ImportState,
  type LedgerState,
  type QueuedItem,
  type Submission,
} from '../core/types.js';
import { parseFailureType } from '../im/errorCodes.js';
import { addItemsUpdate, progressQuery, submissionQuery } from '../core/definitions.js';
import { WAIT_FAILURE_TYPE } from '../core/retry.js';
import { FRIEND_IMPORT_ACTIVITY_OPTIONS } from './policies.js';
import { shouldContinueAsNew } from './history.js';
import { FailedKey, FromAccountKey, ImportedKey, StateKey } from '../core/searchAttributes.js';

/** Search attributes are refreshed at most every this many calls (each upsert is a history event). */
const UPSERT_EVERY_CALLS = 5;
/** Waits for a user that a bulk job holds: 1 s, 2 s, 4 s … at most 30 s between tries. */
const WAIT_MAX_MS = 30_000;

export async function ImportFriendsWorkflow(input: ImportFriendsInput): Promise<ImportFriendsResult> {
  const options = { ...DEFAULT_IMPORT_OPTIONS, ...input.options };
  const state: LedgerState = input.carried ?? newLedger(input.fromAccount, Date.now());
  let status: ImportState = 'running';
  let inFlight: QueuedItem[] = [];

  setHandler(addItemsUpdate, (submission) => admit(state, submission).accepted, {
    validator: (submission: Partial<Submission> | null) => {
      if (status !== 'running')
        throw new Error(`the import for ${state.fromAccount} is ${status}; start a new one`);
      if (typeof submission?.id !== 'string' || !Array.isArray(submission.items))
        throw new Error('a submission needs an id and an items array');
    },
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
    proxyActivities<ServiceActivities>({
      ...FRIEND_IMPORT_ACTIVITY_OPTIONS,
      taskQueue: input.callsTaskQueue,
      summary: `friend_import ${state.fromAccount}: ${batch.length} items`,
    });

  /** One try of a batch: the call in flight is never cancelled, so its items get their real outcomes. */
  const tryOnce = (batch: QueuedItem[]): Promise<FailureVerdict | undefined> =>
    CancellationScope.nonCancellable(async () => {
      try {
        const answer = await callsFor(batch).friendImport({
          fromAccount: state.fromAccount,
          items: batch.map((q) => q.item),
          maybeLanded: batch.filter((q) => q.maybeLanded || q.attempts > 0).map((q) => q.item.To_Account),
        });
        applyAnswer(state, batch, answer, options.maxItemAttempts);
        return undefined;
      } catch (err) {
        return classifyFailure(err);
      }
    });

  /** Sends batches until the queue is empty (or the run should continue as new). */
  const sendQueued = async (): Promise<'drained' | 'continue-as-new'> => {
    for (;;) {
      await condition(() => state.queue.length > 0 || allHandlersFinished());
      if (state.queue.length === 0) return 'drained';
      if (shouldContinueAsNew(options.continueAsNewAfterEvents)) return 'continue-as-new';
      inFlight = takeBatch(state, options.batchSize, options.maxBatchBytes);
      for (let waitMs = 1_000; ; waitMs = Math.min(waitMs * 2, WAIT_MAX_MS)) {
        const failure = await tryOnce(inFlight);
        if (failure === undefined) break;
        if (failure.wait) {
          // A bulk job writes for this user right now: wait (a cancellation may end the wait).
          await sleep(waitMs, { summary: failure.message });
          continue;
        }
        if ('fatal' in failure) {
          status = 'failed';
          publish(true);
          throw ApplicationFailure.nonRetryable(failure.fatal.message, failure.fatal.type);
        }
        failBatch(state, inFlight, failure.failure, failure.calls);
        break;
      }
      inFlight = [];
      publish();
    }
  };

  try {
    for (;;) {
      if ((await sendQueued()) === 'continue-as-new') {
        await condition(allHandlersFinished);
        return await continueAsNew<typeof ImportFriendsWorkflow>({ ...input, carried: state });
      }
      // Items added while the last call went out are sent before the run completes.
      await condition(allHandlersFinished);
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

type FailureVerdict =
  | { wait: true; message: string }
  | { wait?: false; fatal: { message: string; type: string } }
  | {
      wait?: false;
      failure: { code: number; reason: string; kind: 'permanent' | 'exhausted' };
      calls: number;
    };

/** A call that ended in a failure: wait for the user, stop (configuration), or fail the batch's items. */
function classifyFailure(err: unknown): FailureVerdict {
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause;
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  const message = cause?.message ?? err.message;
  if (type === WAIT_FAILURE_TYPE) return { wait: true, message };
  const parsed = parseFailureType(type);
  const detail =
    cause instanceof ApplicationFailure
      ? (cause.details?.[0] as { attempt?: number; calls?: number } | undefined)
      : undefined;
  const maxAttempts = FRIEND_IMPORT_ACTIVITY_OPTIONS.retry?.maximumAttempts ?? 1;
  const calls = detail?.calls ?? detail?.attempt ?? maxAttempts;
  if (parsed?.class === 'config') return { fatal: { message, type: type ?? 'IM_CONFIG' } };
  if (parsed?.class === 'permanent')
    return { failure: { code: parsed.code, reason: message, kind: 'permanent' }, calls };
  // Retries spent on a transient, rate-limit or auth code, or on timeouts.
  return {
    failure: {
      code: parsed?.code ?? 30006,
      reason: `${message} (transient; gave up after ${calls} attempts)`,
      kind: 'exhausted',
    },
    calls,
  };
}
