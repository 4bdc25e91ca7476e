/**
 * Adding items to a user's ImportFriendsWorkflow from any process (a service, the CLI):
 * Update-with-Start on the user's deterministic workflow ID, so every caller joins the one run that
 * writes for that user.
 */
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  isGrpcServiceError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkFriendItem, utf8Length } from '../im/limits.js';
import { MAX_ITEMS_PER_CALL } from '../im/schemas.js';
import {
  addItemsUpdate,
  importFriendsWorkflowId,
  progressQuery,
  submissionQuery,
} from '../core/definitions.js';
import type { ImportFriendsWorkflow } from '../workflows/userImport.js';
import { addFailed, countFailed, type FailedTally } from '../core/jobTypes.js';
import { FromAccountKey } from '../core/searchAttributes.js';
import type {
  ImportFriendsInput,
  ImportFriendsProgress,
  ImportFriendsResult,
  ImportOptions,
  Submission,
  SubmissionAccepted,
  SubmissionOutcome,
  SubmittedItem,
} from '../core/userImportTypes.js';

export interface ImportTarget {
  client: Client;
  /** The main task queue (workflows). */
  taskQueue: string;
  /** The rate-limited queue that runs friendImport (`callsTaskQueue(taskQueue, sdkAppId)`). */
  callsTaskQueue: string;
  sdkAppId: number;
  options?: Partial<ImportOptions>;
}

/** One update message stays far below Temporal's 2 MiB payload limit. */
const MAX_SUBMISSION_BYTES = 512 * 1024;

/** Splits items into submissions of ≤ 1,000 items and ≤ 512 KiB each. */
function chunkItems(items: readonly SubmittedItem[]): SubmittedItem[][] {
  const chunks: SubmittedItem[][] = [];
  let current: SubmittedItem[] = [];
  let bytes = 0;
  items.forEach((s, i) => {
    const item: SubmittedItem = { ...s, ref: s.ref ?? i };
    const size = utf8Length(JSON.stringify(item)) + 1;
    if (current.length > 0 && (current.length >= MAX_ITEMS_PER_CALL || bytes + size > MAX_SUBMISSION_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Checks each item for `fromAccount` as a file's rows are checked ("What is checked before anything
 * is sent" in docs/cli.md), marking a bad one `rejected` with the fields and reasons; the workflow
 * records those as outcomes and sends only the rest.
 */
export function checkItems(fromAccount: string, items: readonly SubmittedItem[]): SubmittedItem[] {
  return items.map((s, i) => {
    const ref = s.ref ?? i;
    if (s.rejected !== undefined) return { ...s, ref };
    const check = checkFriendItem(s.item, fromAccount);
    return check.ok
      ? { ref, item: check.item }
      : { ref, item: s.item, rejected: check.violations.map((v) => `${v.path} ${v.reason}`).join('; ') };
  });
}

interface SubmitOptions {
  /** Base ID of the submission(s); retrying with the same ID adds the items once. */
  submissionId: string;
}

/** How every caller starts a user's workflow if none runs: the same ID, options and UI metadata. */
function userWorkflowOptions(target: ImportTarget, fromAccount: string) {
  return {
    workflowId: importFriendsWorkflowId(target.sdkAppId, fromAccount),
    taskQueue: target.taskQueue,
    args: [{ fromAccount, callsTaskQueue: target.callsTaskQueue, options: target.options, protocol: 2 }] as [
      ImportFriendsInput,
    ],
    // The run's own status says running or completed; the run adds ImportState and the counts when
    // it waits, retries or fails items (docs/architecture.md, visibility).
    typedSearchAttributes: [{ key: FromAccountKey, value: fromAccount }],
    staticSummary: `Friend import for ${fromAccount}`,
    staticDetails: `One-way friends for **${fromAccount}**, imported through v4/sns/friend_import in batches of up to ${target.options?.batchSize ?? MAX_ITEMS_PER_CALL}.`,
  };
}

/** Sends one submission with Update-with-Start; retries while a finishing run refuses it. */
async function submit(
  target: ImportTarget,
  fromAccount: string,
  submission: Submission,
): Promise<{ accepted: SubmissionAccepted; runId: string }> {
  for (let attempt = 1; ; attempt++) {
    const start = new WithStartWorkflowOperation<typeof ImportFriendsWorkflow>('ImportFriendsWorkflow', {
      ...userWorkflowOptions(target, fromAccount),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      const update = await target.client.workflow.startUpdateWithStart(addItemsUpdate, {
        args: [submission],
        updateId: submission.id,
        waitForStage: 'ACCEPTED',
        startWorkflowOperation: start,
      });
      return { accepted: await update.result(), runId: update.workflowRunId ?? '' };
    } catch (err) {
      // A run that is completing refuses new items; the next attempt starts a fresh run.
      if (!retryable(err) || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, Math.min(50 * attempt, 500)));
    }
  }
}

/**
 * A run that is completing refuses new items (the next attempt starts a fresh run), and a user
 * with many updates in flight at once answers RESOURCE_EXHAUSTED (the server allows 10 per run).
 */
function retryable(err: unknown): boolean {
  if (err instanceof WorkflowUpdateFailedError) return true;
  const cause = (err as { cause?: unknown } | null)?.cause;
  const grpc = isGrpcServiceError(err) ? err : isGrpcServiceError(cause) ? cause : undefined;
  return Number(grpc?.code) === RESOURCE_EXHAUSTED;
}
const RESOURCE_EXHAUSTED = 8;

export interface UserImportHandle {
  workflowId: string;
  /** The run that accepted the first submission (follow it for the result). */
  runId: string;
  submissionIds: string[];
  /** Items in each submission (a caller's items are split into submissions of ≤ 1,000 / 512 KiB). */
  submissionSizes: number[];
  accepted: number;
  rejected: number;
  /**
   * The outcomes of this caller's own items, once all are known. `signal` stops the wait (for a
   * deadline, `AbortSignal.timeout(ms)`): the promise rejects with the signal's reason and the
   * import itself goes on; ask again later.
   */
  outcome(options?: { signal?: AbortSignal }): Promise<SubmissionOutcome>;
  progress(): Promise<ImportFriendsProgress>;
  /** The whole import's result (all callers' items), once the run completes. */
  result(): Promise<ImportFriendsResult>;
  cancel(): Promise<void>;
}

/** Adds `items` to `fromAccount`'s import (starting it if needed) and returns a handle on it. */
export async function importFriends(
  target: ImportTarget,
  fromAccount: string,
  items: readonly SubmittedItem[],
  options: SubmitOptions,
): Promise<UserImportHandle> {
  const chunks = chunkItems(checkItems(fromAccount, items));
  const submissionIds = chunks.map((_, i) =>
    chunks.length === 1 ? options.submissionId : `${options.submissionId}#${i + 1}`,
  );
  let accepted = 0;
  let rejected = 0;
  let runId = '';
  // Outcomes the runs gave with their acceptance (the quick path): no need to ask for them later.
  const known = new Map<string, SubmissionOutcome>();
  for (const [i, chunk] of chunks.entries()) {
    const id = submissionIds[i] ?? options.submissionId;
    const follows = submissionIds.slice(i + 1);
    const sent = await submit(target, fromAccount, {
      id,
      items: chunk,
      ...(follows.length > 0 && { follows }),
    });
    runId ||= sent.runId;
    accepted += sent.accepted.accepted;
    rejected += sent.accepted.rejected;
    if (sent.accepted.outcome?.status === 'done') known.set(id, sent.accepted.outcome);
  }
  const workflowId = importFriendsWorkflowId(target.sdkAppId, fromAccount);
  const latest = (): WorkflowHandle<typeof ImportFriendsWorkflow> =>
    target.client.workflow.getHandle(workflowId);
  return {
    workflowId,
    runId,
    submissionIds,
    submissionSizes: chunks.map((c) => c.length),
    accepted,
    rejected,
    outcome: async (outcomeOptions) =>
      mergeOutcomes(
        fromAccount,
        await Promise.all(
          submissionIds.map((id): Promise<SubmissionOutcome> =>
            Promise.resolve(
              known.get(id) ?? awaitOutcome(target, workflowId, runId, id, outcomeOptions?.signal),
            ),
          ),
        ),
      ),
    progress: () => latest().query(progressQuery),
    result: () => target.client.workflow.getHandle<typeof ImportFriendsWorkflow>(workflowId, runId).result(),
    cancel: () =>
      latest()
        .cancel()
        .then(() => undefined),
  };
}

async function awaitOutcome(
  target: ImportTarget,
  workflowId: string,
  runId: string,
  id: string,
  signal?: AbortSignal,
): Promise<SubmissionOutcome> {
  // Polls a query (no history events, no update limits); the latest run of the chain carries the
  // submission across continue-as-new.
  for (let delay = 50; ; delay = Math.min(delay * 1.5, 500)) {
    signal?.throwIfAborted();
    const handle = target.client.workflow.getHandle(workflowId);
    const outcome = await untilAborted(handle.query(submissionQuery, id), signal).catch((err: unknown) => {
      if (signal?.aborted) throw err;
      return undefined;
    });
    if (outcome?.status === 'done') return outcome;
    if (outcome?.status === 'unknown') break;
    // No answer: retry while the workflow runs (e.g. no worker right now); a closed one has its result.
    if (outcome === undefined && (await untilAborted(handle.describe(), signal)).status.name !== 'RUNNING')
      break;
    await sleep(delay, undefined, { signal });
  }
  // The run chain that took the submission has completed: its result holds the outcomes.
  const result = await untilAborted(
    target.client.workflow.getHandle<typeof ImportFriendsWorkflow>(workflowId, runId).result(),
    signal,
  );
  const failures = result.failures.filter((f) => f.submissionId === id);
  const tally = result.submissionTallies.find((s) => s.id === id);
  const counted: FailedTally = { failed: 0, failedByCode: {} };
  for (const f of failures) countFailed(counted, String(f.code));
  return {
    submissionId: id,
    fromAccount: result.fromAccount,
    status: tally ? 'done' : 'unknown',
    total: tally?.total ?? 0,
    imported: tally?.imported ?? 0,
    failed: tally?.failed ?? counted.failed,
    failedByCode: tally?.failedByCode ?? counted.failedByCode,
    superseded: tally?.superseded ?? counted.superseded ?? 0,
    failures,
    calls: tally?.calls ?? 0,
  };
}

/** `work`, or the signal's reason as soon as it aborts (the work itself is not stopped). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(signal.reason as Error);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function mergeOutcomes(fromAccount: string, outcomes: SubmissionOutcome[]): SubmissionOutcome {
  if (outcomes.length === 1 && outcomes[0]) return outcomes[0];
  const failed: FailedTally = { failed: 0, failedByCode: {} };
  for (const o of outcomes) addFailed(failed, o);
  return {
    submissionId: outcomes.map((o) => o.submissionId).join(','),
    fromAccount,
    status: outcomes.every((o) => o.status === 'done') ? 'done' : 'unknown',
    total: outcomes.reduce((n, o) => n + o.total, 0),
    imported: outcomes.reduce((n, o) => n + o.imported, 0),
    failed: failed.failed,
    failedByCode: failed.failedByCode,
    superseded: failed.superseded ?? 0,
    failures: outcomes.flatMap((o) => o.failures),
    calls: outcomes.reduce((n, o) => n + o.calls, 0),
  };
}
