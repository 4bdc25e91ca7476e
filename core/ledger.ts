/**
 * The bookkeeping of one user's import, as deterministic functions over plain data: admitting
 * submissions (last-one-wins de-duplication), cutting batches, and recording every item's single
 * outcome. ImportFriendsWorkflow (in Temporal's sandbox) and a bulk job's page activity (in a
 * worker process) are both loops around these functions; there is no second copy.
 *
 * Every step returns what it settled: the submissions it completed and each item that got its
 * outcome, so a caller can write per-item records (the page activity) or only count (the workflow).
 */
import { jsonByteBound, jsonByteLength } from '../im/utf8.js';
import type { AddFriendItem } from '../im/schemas.js';
import { countFailed } from './jobTypes.js';
import type {
  FailureKind,
  FriendImportAnswer,
  ItemOutcome,
  LedgerState,
  QueuedItem,
  Settled,
  Submission,
  SubmissionAccepted,
  UnsentCode,
} from './types.js';

/** Failure details kept in a workflow's ledger; the rest are counted (keeps results far under 2 MiB). */
export const MAX_FAILURE_DETAILS = 5_000;
/** Submission IDs remembered for de-duplication of retried deliveries. */
const MAX_SEEN_SUBMISSIONS = 1_000;
/** Completed submission tallies kept for callers that ask for their outcome late. */
const MAX_DONE_SUBMISSIONS = 200;

export function newLedger(
  fromAccount: string,
  startedAt: number,
  options: { failureDetailCap?: number } = {},
): LedgerState {
  return {
    fromAccount,
    startedAt,
    queue: [],
    submissions: {},
    seenSubmissions: [],
    items: 0,
    imported: 0,
    failed: 0,
    calls: 0,
    failedByCode: {},
    failAccounts: [],
    invalidAccounts: [],
    failures: [],
    failuresOmitted: 0,
    failureDetailCap: options.failureDetailCap ?? MAX_FAILURE_DETAILS,
  };
}

interface Failure {
  code: number | UnsentCode;
  reason: string;
  kind: FailureKind;
  /** Which vendor list named the account, if any. */
  listedIn?: 'Fail_Account' | 'Invalid_Account';
}

function fail(
  state: LedgerState,
  out: ItemOutcome[],
  q: Pick<QueuedItem, 'submissionId' | 'ref'>,
  toAccount: string,
  f: Failure,
): void {
  const key = String(f.code);
  countFailed(state, key);
  if (f.listedIn === 'Fail_Account') state.failAccounts.push(toAccount);
  if (f.listedIn === 'Invalid_Account') state.invalidAccounts.push(toAccount);
  const detail = {
    submissionId: q.submissionId,
    ref: q.ref,
    toAccount,
    code: f.code,
    reason: f.reason,
    kind: f.kind,
  };
  if (state.failures.length < state.failureDetailCap) state.failures.push(detail);
  else state.failuresOmitted++;
  out.push({ ok: false, ...detail });
  const sub = state.submissions[q.submissionId];
  if (sub) {
    sub.pending--;
    countFailed(sub, key);
  }
}

function succeed(state: LedgerState, out: ItemOutcome[], q: QueuedItem): void {
  state.imported++;
  out.push({ ok: true, submissionId: q.submissionId, ref: q.ref, toAccount: q.item.To_Account });
  const sub = state.submissions[q.submissionId];
  if (sub) {
    sub.imported++;
    sub.pending--;
  }
}

function toAccountOf(raw: unknown): string {
  const to = (raw as { To_Account?: unknown } | null)?.To_Account;
  return typeof to === 'string' ? to : '';
}

/** The shape an item must have to be sent (its field limits were checked before submission). */
function isItem(raw: unknown): raw is AddFriendItem {
  const item = raw as Partial<AddFriendItem> | null;
  return (
    typeof item === 'object' &&
    item !== null &&
    typeof item.To_Account === 'string' &&
    typeof item.AddSource === 'string'
  );
}

/**
 * Admits a submission: items that failed their check are recorded as rejected; within the
 * submission and against items still waiting in the queue, the last item for a To_Account wins
 * and the earlier one is rejected as superseded.
 */
export function admit(
  state: LedgerState,
  submission: Submission,
): Settled & { accepted: SubmissionAccepted } {
  const out: ItemOutcome[] = [];
  if (state.seenSubmissions.includes(submission.id))
    return {
      accepted: { submissionId: submission.id, duplicate: true, accepted: 0, rejected: 0 },
      completed: [],
      outcomes: out,
    };
  state.seenSubmissions.push(submission.id);
  if (state.seenSubmissions.length > MAX_SEEN_SUBMISSIONS) state.seenSubmissions.shift();

  const total = submission.items.length;
  state.submissions[submission.id] = {
    id: submission.id,
    total,
    imported: 0,
    failed: 0,
    pending: total,
    failedByCode: {},
    calls: 0,
  };
  state.items += total;

  // Last one wins inside the submission: find each To_Account's last index first.
  const lastIndex = new Map<string, number>();
  submission.items.forEach((s, i) => lastIndex.set(toAccountOf(s.item), i));

  // Items already queued, by To_Account: looking each new item up here keeps admitting linear in
  // queue + submission, not their product.
  const queued = new Map<string, QueuedItem>();
  for (const w of state.queue) if (!queued.has(w.item.To_Account)) queued.set(w.item.To_Account, w);
  const superseded = new Set<QueuedItem>();
  const added: QueuedItem[] = [];

  let accepted = 0;
  let rejected = 0;
  submission.items.forEach((s, i) => {
    const q = { submissionId: submission.id, ref: s.ref ?? i };
    const toAccount = toAccountOf(s.item);
    if (s.rejected !== undefined || !isItem(s.item)) {
      rejected++;
      const reason =
        s.rejected ?? 'is not an AddFriendItem (submit items through the client library, which checks them)';
      fail(state, out, q, toAccount, { code: 'rejected', reason, kind: 'rejected' });
      return;
    }
    const last = lastIndex.get(toAccount);
    if (last !== i) {
      const laterRef = submission.items[last ?? i]?.ref ?? last;
      fail(state, out, q, toAccount, {
        code: 'superseded',
        reason: `To_Account ${toAccount} appears again later (${String(laterRef)}); the last one wins`,
        kind: 'superseded',
      });
      return;
    }
    const older = queued.get(toAccount);
    if (older) {
      queued.delete(toAccount);
      superseded.add(older);
      fail(state, out, older, toAccount, {
        code: 'superseded',
        reason: `superseded by a later item for To_Account ${toAccount} (${String(q.ref)}); the last one wins`,
        kind: 'superseded',
      });
    }
    const queuedItem: QueuedItem = { submissionId: q.submissionId, ref: q.ref, item: s.item, attempts: 0 };
    if (s.maybeLanded) queuedItem.maybeLanded = true;
    added.push(queuedItem);
    accepted++;
  });
  if (superseded.size > 0) state.queue = state.queue.filter((w) => !superseded.has(w));
  for (const q of added) state.queue.push(q);
  return {
    accepted: { submissionId: submission.id, duplicate: false, accepted, rejected },
    completed: settle(state),
    outcomes: out,
  };
}

/** Bytes of a request body besides its items (braces, From_Account, the field names). */
const BODY_OVERHEAD_BYTES = 64;

/**
 * Removes and returns the next batch: at most `batchSize` items and about `maxBytes` of JSON, in
 * queue order. Items are sized by cheap upper bounds first; only a batch whose bounds do not fit
 * is sized exactly, so the result is always the one exact sizing would give.
 */
export function takeBatch(state: LedgerState, batchSize: number, maxBytes: number): QueuedItem[] {
  const queue = state.queue;
  const limit = Math.min(queue.length, batchSize);
  // How many items fit, by `sizeOf`: at least one, then while the body stays within maxBytes.
  const fitting = (sizeOf: (item: AddFriendItem) => number): number => {
    let bytes = BODY_OVERHEAD_BYTES;
    let n = 0;
    for (; n < limit; n++) {
      const size = sizeOf(queue[n]!.item) + 1;
      if (n > 0 && bytes + size > maxBytes) break;
      bytes += size;
    }
    return n;
  };
  let n = fitting(jsonByteBound);
  if (n < limit) n = fitting(jsonByteLength);
  return queue.splice(0, n);
}

/**
 * Records the answer to one call: successes, permanent failures, and per-item transient codes
 * (or items the answer did not mention) requeued at the back until `maxItemAttempts` is spent.
 */
export function applyAnswer(
  state: LedgerState,
  batch: readonly QueuedItem[],
  answer: FriendImportAnswer,
  maxItemAttempts: number,
): Settled {
  const out: ItemOutcome[] = [];
  countCalls(state, batch, answer.attempt);
  const byAccount = new Map(batch.map((q) => [q.item.To_Account, q]));
  const invalid = new Set(answer.invalidAccounts);
  const failed = new Set(answer.failAccounts);
  const listedIn = (a: string) =>
    invalid.has(a) ? 'Invalid_Account' : failed.has(a) ? 'Fail_Account' : undefined;
  for (const a of answer.imported) {
    const q = byAccount.get(a);
    if (q) succeed(state, out, q);
  }
  for (const p of answer.permanent) {
    const q = byAccount.get(p.toAccount);
    if (q)
      fail(state, out, q, p.toAccount, {
        code: p.code,
        reason: p.info || `error ${p.code}`,
        kind: 'permanent',
        listedIn: listedIn(p.toAccount),
      });
  }
  const retry = [
    ...answer.transient.map((t) => ({
      account: t.toAccount,
      code: t.code,
      reason: t.info || `error ${t.code}`,
    })),
    ...answer.missing.map((account) => ({ account, code: 30006, reason: 'not answered in ResultItem' })),
  ];
  const queued = retry.length > 0 ? new Set(state.queue.map((w) => w.item.To_Account)) : undefined;
  for (const r of retry) {
    const q = byAccount.get(r.account);
    if (!q) continue;
    // A newer item for this friend arrived while the call was in flight: it wins, this one never goes again.
    if (queued?.has(r.account)) {
      fail(state, out, q, r.account, {
        code: 'superseded',
        reason: `superseded by a later item for To_Account ${r.account} while this one was in flight; the last one wins`,
        kind: 'superseded',
      });
      continue;
    }
    q.attempts++;
    // It may have been written although the answer did not say so.
    q.maybeLanded = true;
    if (q.attempts >= maxItemAttempts)
      fail(state, out, q, r.account, {
        code: r.code,
        reason: `${r.reason} (transient; gave up after ${q.attempts} attempts)`,
        kind: 'exhausted',
        listedIn: listedIn(r.account),
      });
    else state.queue.push(q);
  }
  return { completed: settle(state), outcomes: out };
}

/** Records the same failure for every item of a batch (a whole-request permanent code, or retries spent). */
export function failBatch(
  state: LedgerState,
  batch: readonly QueuedItem[],
  failure: { code: number; reason: string; kind: FailureKind },
  /** HTTP calls this batch took (its attempts). */
  calls: number,
): Settled {
  const out: ItemOutcome[] = [];
  countCalls(state, batch, calls);
  for (const q of batch) fail(state, out, q, q.item.To_Account, failure);
  return { completed: settle(state), outcomes: out };
}

/** Calls are HTTP attempts (retries included), credited to the whole user and to each submission in the batch. */
function countCalls(state: LedgerState, batch: readonly QueuedItem[], calls: number): void {
  state.calls += calls;
  for (const id of new Set(batch.map((q) => q.submissionId))) {
    const sub = state.submissions[id];
    if (sub) sub.calls += calls;
  }
}

/** Cancellation: every item still waiting gets the outcome `cancelled`. */
export function cancelQueued(state: LedgerState, reason = 'not sent: the import was cancelled'): Settled {
  const out: ItemOutcome[] = [];
  const cancelled = state.queue;
  state.queue = [];
  for (const q of cancelled)
    fail(state, out, q, q.item.To_Account, { code: 'rejected', reason, kind: 'cancelled' });
  return { completed: settle(state), outcomes: out };
}

/** IDs of submissions that just completed; trims old completed tallies. */
function settle(state: LedgerState): string[] {
  const done = Object.values(state.submissions).filter((s) => s.pending === 0);
  const completed = done.filter((s) => !s.settled).map((s) => s.id);
  for (const s of done) s.settled = true;
  const excess = done.length - MAX_DONE_SUBMISSIONS;
  for (const s of done.slice(0, Math.max(0, excess))) delete state.submissions[s.id];
  return completed;
}
